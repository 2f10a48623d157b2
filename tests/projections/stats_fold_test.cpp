// The stats fold: what each event counts and in which bucket, what it skips, and that its saved
// state answers the same after restoring.
#include <gtest/gtest.h>

#include "tests/projections/stats_fold_fixture.hpp"

namespace sb::projections {
namespace {
using json = nlohmann::json;

// ---- sessions ----

TEST_F(StatsFold, VisitorMessagesWithA59MinuteGap_AreOneSession) {
  open("cv_1", "vi_1", t0);
  post("cv_1", "visitor", "vi_1", t0);
  post("cv_1", "visitor", "vi_1", t0 + 59 * kMinute);
  post("cv_1", "visitor", "vi_1", t0 + 118 * kMinute);
  EXPECT_EQ(overview(t0, t0 + kDay)["sessions"], 1);
}

TEST_F(StatsFold, VisitorMessagesWithA60MinuteGap_StartASecondSession) {
  open("cv_1", "vi_1", t0);
  post("cv_1", "visitor", "vi_1", t0);
  post("cv_1", "visitor", "vi_1", t0 + 60 * kMinute);
  EXPECT_EQ(overview(t0, t0 + kDay)["sessions"], 2);
}

TEST_F(StatsFold, ASessionAcrossMidnight_IsOneSessionCountedWhereItStarts) {
  auto late = utc(2024, 1, 15, 23, 40);
  open("cv_1", "vi_1", late);
  post("cv_1", "visitor", "vi_1", late);
  post("cv_1", "visitor", "vi_1", late + 30 * kMinute);  // 00:10 the next day
  post("cv_1", "visitor", "vi_1", late + 80 * kMinute);  // 01:00
  auto midnight = utc(2024, 1, 16);
  EXPECT_EQ(overview(midnight - kDay, midnight)["sessions"], 1);
  EXPECT_EQ(overview(midnight, midnight + kDay)["sessions"], 0);
  EXPECT_EQ(overview(midnight, midnight + kDay)["messages"]["visitor"], 2);
}

TEST_F(StatsFold, SessionsOfTwoVisitors_AreCountedApart) {
  open("cv_1", "vi_1", t0);
  open("cv_2", "vi_2", t0);
  post("cv_1", "visitor", "vi_1", t0);
  post("cv_2", "visitor", "vi_2", t0 + kMinute);
  post("cv_1", "visitor", "vi_1", t0 + 2 * kMinute);
  EXPECT_EQ(overview(t0, t0 + kDay)["sessions"], 2);
}

TEST_F(StatsFold, StaffMessages_NeitherStartNorExtendAVisitorsSession) {
  open("cv_1", "vi_1", t0);
  post("cv_1", "visitor", "vi_1", t0);
  post("cv_1", "agent", "us_1", t0 + 50 * kMinute);
  post("cv_1", "visitor", "vi_1", t0 + 70 * kMinute);  // 70 min after the visitor's last
  EXPECT_EQ(overview(t0, t0 + kDay)["sessions"], 2);
}

// ---- messages, conversations, channels, widget opens ----

TEST_F(StatsFold, Messages_AreCountedBySenderKind) {
  open("cv_1", "vi_1", t0);
  post("cv_1", "visitor", "vi_1", t0);
  post("cv_1", "visitor", "vi_1", t0 + 1);
  post("cv_1", "bot", "bot", t0 + 2);
  post("cv_1", "agent", "us_1", t0 + 3);
  auto m = overview(t0, t0 + kHour)["messages"];
  EXPECT_EQ(m, (json{{"visitor", 2}, {"agent", 1}, {"bot", 1}})) << m.dump();
}

TEST_F(StatsFold, PrivateNotesAndSystemMessages_AreNotCountedAsMessages) {
  open("cv_1", "vi_1", t0);
  post("cv_1", "agent", "us_1", t0 + 1, true);
  post("cv_1", "system", "", t0 + 2);
  auto o = overview(t0, t0 + kHour);
  EXPECT_EQ(o["messages"], (json{{"visitor", 0}, {"agent", 0}, {"bot", 0}})) << o.dump();
}

TEST_F(StatsFold, Conversations_CountInTheHourTheyOpen) {
  open("cv_1", "vi_1", t0 + 59 * kMinute);
  open("cv_2", "vi_2", t0 + 60 * kMinute);
  EXPECT_EQ(overview(t0, t0 + kHour)["conversations"], 1);
  EXPECT_EQ(overview(t0 + kHour, t0 + 2 * kHour)["conversations"], 1);
  EXPECT_EQ(overview(t0, t0 + 2 * kHour)["conversations"], 2);
}

TEST_F(StatsFold, ByChannel_CountsConversationsPerChannelWithWebWhenAbsent) {
  open("cv_1", "vi_1", t0);
  open("cv_2", "vi_2", t0, "email");
  open("cv_3", "vi_3", t0, "web");
  EXPECT_EQ(overview(t0, t0 + kHour)["by_channel"], (json{{"email", 1}, {"web", 2}}));
}

TEST_F(StatsFold, WidgetOpens_AreCountedInTheirHour) {
  visitor("widget_opened", "vi_1", {{"site_key", "wk_1"}, {"ts", t0}, {"page_url", "/"}});
  visitor("widget_opened", "vi_1", {{"site_key", "wk_1"}, {"ts", t0 + kHour}, {"page_url", "/"}});
  EXPECT_EQ(overview(t0, t0 + kHour)["widget_opens"], 1);
  EXPECT_EQ(overview(t0, t0 + 2 * kHour)["widget_opens"], 2);
}

TEST_F(StatsFold, OtherWorkspaces_AreNotCounted) {
  open("cv_1", "vi_1", t0);
  ws = "ws_2";
  EXPECT_EQ(overview(t0, t0 + kHour)["conversations"], 0);
}

// ---- visitors, countries, conversion ----

TEST_F(StatsFold, Visitors_AreDistinctVisitorsSeenInTheRange) {
  seen("vi_1", t0);
  seen("vi_1", t0 + kHour);  // again, another hour
  seen("vi_2", t0 + 2 * kHour);
  EXPECT_EQ(overview(t0, t0 + kDay)["visitors"], 2);
  EXPECT_EQ(overview(t0 + kHour, t0 + kDay)["visitors"], 2);
  EXPECT_EQ(overview(t0 + 2 * kHour, t0 + kDay)["visitors"], 1);
}

TEST_F(StatsFold, ByCountry_CountsDistinctVisitorsPerCountryAndUnknownForNone) {
  seen("vi_1", t0, "DE");
  seen("vi_1", t0 + kHour, "DE");
  seen("vi_2", t0, "de");
  seen("vi_3", t0, "FR");
  seen("vi_4", t0, "");
  seen("vi_5", t0, "unknown");
  EXPECT_EQ(overview(t0, t0 + kDay)["by_country"], (json{{"DE", 2}, {"FR", 1}, {"unknown", 2}}));
}

TEST_F(StatsFold, ConversionRate_IsVisitorsWhoOpenedAConversationOverVisitorsSeen) {
  for (auto v : {"vi_1", "vi_2", "vi_3", "vi_4"}) seen(v, t0);
  open("cv_1", "vi_1", t0 + kMinute);
  open("cv_2", "vi_1", t0 + 2 * kMinute);  // the same visitor again
  open("cv_3", "vi_2", t0 + 3 * kMinute);
  EXPECT_DOUBLE_EQ(overview(t0, t0 + kHour)["conversion_rate"].get<double>(), 0.5);
}

TEST_F(StatsFold, ConversionRate_IsZeroWithoutVisitorsAndNeverAboveOne) {
  open("cv_1", "vi_1", t0);
  EXPECT_DOUBLE_EQ(overview(t0, t0 + kHour)["conversion_rate"].get<double>(), 0.0);
  seen("vi_2", t0);
  open("cv_2", "vi_3", t0);
  EXPECT_DOUBLE_EQ(overview(t0, t0 + kHour)["conversion_rate"].get<double>(), 1.0);
}

TEST_F(StatsFold, OnlineVisitors_ArePassedThrough) {
  EXPECT_EQ(fold.overview(ws, t0, t0 + kHour, "", 7, t0)["online_visitors"], 7);
}

// ---- first response and resolution ----

TEST_F(StatsFold, FirstResponse_IsTheFirstAgentMessageMinusTheOpening) {
  open("cv_1", "vi_1", t0);
  post("cv_1", "visitor", "vi_1", t0 + 10'000);
  post("cv_1", "agent", "us_1", t0 + 90'000);
  post("cv_1", "agent", "us_1", t0 + 200'000);
  auto fr = overview(t0, t0 + kHour)["first_response_ms"];
  EXPECT_EQ(fr, (json{{"p50", 90'000}, {"p90", 90'000}})) << fr.dump();
}

TEST_F(StatsFold, PrivateNotesAndSystemMessages_AreNotFirstResponses) {
  open("cv_1", "vi_1", t0);
  post("cv_1", "agent", "us_1", t0 + 5'000, true);
  post("cv_1", "system", "", t0 + 6'000);
  EXPECT_EQ(overview(t0, t0 + kHour)["first_response_ms"]["p50"], nullptr);
  post("cv_1", "agent", "us_1", t0 + 42'000);
  EXPECT_EQ(overview(t0, t0 + kHour)["first_response_ms"]["p50"], 42'000);
}

TEST_F(StatsFold, ABotReply_IsAFirstResponse) {
  open("cv_1", "vi_1", t0);
  post("cv_1", "bot", "bot", t0 + 1'000);
  post("cv_1", "agent", "us_1", t0 + 60'000);
  EXPECT_EQ(overview(t0, t0 + kHour)["first_response_ms"]["p50"], 1'000);
}

TEST_F(StatsFold, FirstResponse_CountsInTheHourOfTheResponse) {
  open("cv_1", "vi_1", t0 + 50 * kMinute);
  post("cv_1", "agent", "us_1", t0 + 70 * kMinute);
  EXPECT_EQ(overview(t0, t0 + kHour)["first_response_ms"]["p50"], nullptr);
  EXPECT_EQ(overview(t0 + kHour, t0 + 2 * kHour)["first_response_ms"]["p50"], 20 * kMinute);
}

TEST_F(StatsFold, FirstResponsePercentiles_AreTakenOverConversations) {
  for (int i = 1; i <= 10; ++i) {
    auto cid = "cv_" + std::to_string(i);
    open(cid, "vi_" + std::to_string(i), t0);
    post(cid, "agent", "us_1", t0 + i * 10'000);
  }
  auto fr = overview(t0, t0 + kHour)["first_response_ms"];
  EXPECT_EQ(fr, (json{{"p50", 50'000}, {"p90", 90'000}})) << fr.dump();
}

TEST_F(StatsFold, Resolution_IsTheFirstCloseMinusTheOpeningInTheHourOfTheClose) {
  open("cv_1", "vi_1", t0);
  status("cv_1", "active", "us_1", t0 + kMinute);
  status("cv_1", "closed", "us_1", t0 + 90 * kMinute);
  status("cv_1", "active", "us_1", t0 + 100 * kMinute);
  status("cv_1", "closed", "us_1", t0 + 110 * kMinute);  // a second close does not count
  EXPECT_EQ(overview(t0, t0 + kHour)["resolution_ms"]["p50"], nullptr);
  auto r = overview(t0, t0 + kDay)["resolution_ms"];
  EXPECT_EQ(r, (json{{"p50", 90 * kMinute}, {"p90", 90 * kMinute}})) << r.dump();
}

// ---- agents ----

TEST_F(StatsFold, Agents_CountAssignedConversationsOncePerAgent) {
  open("cv_1", "vi_1", t0);
  status("cv_1", "active", "us_1", t0 + 1);
  status("cv_1", "waiting", "", t0 + 2);
  status("cv_1", "active", "us_1", t0 + 3);  // back to the same agent: still one
  status("cv_1", "active", "us_2", t0 + 4);  // transferred: counts for the new agent
  open("cv_2", "vi_2", t0);
  status("cv_2", "active", "us_2", t0 + 5);
  auto items = fold.agents(ws, t0, t0 + kHour)["items"];
  ASSERT_EQ(items.size(), 2u) << items.dump();
  EXPECT_EQ(items[0]["user_id"], "us_2");
  EXPECT_EQ(items[0]["name"], "Name of us_2");
  EXPECT_EQ(items[0]["conversations"], 2);
  EXPECT_EQ(items[1]["user_id"], "us_1");
  EXPECT_EQ(items[1]["conversations"], 1);
}

TEST_F(StatsFold, Agents_CountMessagesFirstResponsesAndResolutionsOfTheAssignedAgent) {
  open("cv_1", "vi_1", t0);
  status("cv_1", "active", "us_1", t0 + 1'000);
  post("cv_1", "agent", "us_1", t0 + 30'000);
  post("cv_1", "agent", "us_1", t0 + 40'000);
  post("cv_1", "agent", "us_1", t0 + 50'000, true);  // a private note
  status("cv_1", "closed", "", t0 + 600'000);        // the close names no agent
  auto items = fold.agents(ws, t0, t0 + kHour)["items"];
  ASSERT_EQ(items.size(), 1u) << items.dump();
  EXPECT_EQ(items[0], (json{{"user_id", "us_1"},
                            {"name", "Name of us_1"},
                            {"conversations", 1},
                            {"messages", 2},
                            {"first_response_ms", {{"p50", 30'000}}},
                            {"resolution_ms", {{"p50", 600'000}}}}));
}

TEST_F(StatsFold, Agents_InAnotherRange_AreNotListed) {
  open("cv_1", "vi_1", t0);
  status("cv_1", "active", "us_1", t0 + 1'000);
  EXPECT_TRUE(fold.agents(ws, t0 + kHour, t0 + kDay)["items"].empty());
}

// ---- robustness and persistence ----

TEST_F(StatsFold, MalformedForeignAndOrphanEvents_AreSkippedWithoutThrowing) {
  EXPECT_FALSE(fold.apply({"message_posted", 1, "conversation/cv_9", 0, 0, 0, "{not json"}));
  EXPECT_FALSE(fold.apply({"conversation_opened", 1, "conversation/cv_9", 0, 0, 0,
                           R"({"workspace_id":7,"ts":"soon","visitor":[]})"}));
  EXPECT_FALSE(fold.apply({"message_posted", 1, "conversation/cv_9", 0, 0, 0,
                           R"({"sender":{"kind":"visitor"},"ts":1})"}));  // never opened
  EXPECT_FALSE(fold.apply({"workspace_created", 1, "workspace/ws_1", 0, 0, 0, R"({"id":"ws_1"})"}));
  EXPECT_FALSE(fold.apply({"conversation_opened", 2, "conversation/cv_9", 0, 0, 0,
                           R"({"workspace_id":"ws_1","ts":1})"}));  // unknown version
  open("cv_1", "vi_1", t0);
  EXPECT_FALSE(fold.apply({"message_posted", 1, "conversation/cv_1", 0, 0, 0,
                           R"({"sender":"agent","ts":"x","private":"yes"})"}));
  EXPECT_FALSE(fold.apply({"labels_set", 1, "conversation/cv_1", 0, 0, 0, R"({"labels":[]})"}));
  EXPECT_EQ(overview(t0, t0 + kHour)["conversations"], 1);
}

TEST_F(StatsFold, ASerializedFold_AnswersTheSameAfterRestoring) {
  for (int i = 0; i < 2'000; ++i)
    seen("vi_" + std::to_string(i), t0 + (i % 50) * kHour, i % 3 ? "DE" : "FR");
  open("cv_1", "vi_1", t0);
  status("cv_1", "active", "us_1", t0 + 1'000);
  post("cv_1", "visitor", "vi_1", t0 + 2'000);
  post("cv_1", "agent", "us_1", t0 + 3'000);
  status("cv_1", "closed", "us_1", t0 + 4'000);
  stats_fold restored;
  ASSERT_TRUE(restored.deserialize(fold.serialize()));
  auto now = t0 + kHour;
  EXPECT_EQ(restored.overview(ws, t0, t0 + 3 * kDay, "Europe/Berlin", 0, now),
            fold.overview(ws, t0, t0 + 3 * kDay, "Europe/Berlin", 0, now));
  EXPECT_EQ(restored.agents(ws, t0, t0 + kDay), fold.agents(ws, t0, t0 + kDay));
  // The bookkeeping came back too: a later message continues the same session and conversation.
  post("cv_1", "visitor", "vi_1", t0 + 5'000);
  restored.apply(
      {"message_posted", 1, "conversation/cv_1", 0, 0, 0,
       json{{"sender", {{"kind", "visitor"}, {"id", "vi_1"}}}, {"ts", t0 + 5'000}}.dump()});
  EXPECT_EQ(restored.overview(ws, t0, t0 + kDay, "", 0, now)["sessions"], 1);
  EXPECT_EQ(restored.overview(ws, t0, t0 + kDay, "", 0, now),
            fold.overview(ws, t0, t0 + kDay, "", 0, now));
}

TEST_F(StatsFold, ACorruptState_IsRefused) {
  open("cv_1", "vi_1", t0);
  auto bytes = fold.serialize();
  stats_fold restored;
  EXPECT_FALSE(restored.deserialize(bytes.substr(0, bytes.size() - 3)));
  EXPECT_FALSE(restored.restore_piece("h/ws_1", "x"));
  EXPECT_FALSE(restored.restore_piece("zz", ""));
}

}  // namespace
}  // namespace sb::projections
