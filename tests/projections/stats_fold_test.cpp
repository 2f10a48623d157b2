// The stats fold: what each event counts, in which bucket, and how ranges, time zones, distinct
// counts and percentiles come out of the buckets.
#include "projections/stats_fold.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>

#include "projections/time_zone.hpp"

namespace sb::projections {
namespace {
using json = nlohmann::json;

constexpr std::int64_t kMinute = 60'000;
constexpr std::int64_t kHour = 3'600'000;
constexpr std::int64_t kDay = 24 * kHour;

// ms since the epoch of a UTC civil time (Hinnant's days_from_civil).
std::int64_t utc(int y, unsigned m, unsigned d, int hh = 0, int mm = 0) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  std::int64_t days =
      static_cast<std::int64_t>(era) * 146097 + static_cast<std::int64_t>(doe) - 719468;
  return days * kDay + hh * kHour + mm * kMinute;
}

class StatsFold : public ::testing::Test {
 protected:
  void conversation(const std::string& type, const std::string& cid, json data) {
    fold.apply({type, 1, "conversation/" + cid, 0, 0, 0, data.dump()});
  }
  void visitor(const std::string& type, const std::string& vid, json data) {
    data["visitor_id"] = vid;
    data["workspace_id"] = ws;
    fold.apply({type, 1, "visitor/" + vid, 0, 0, 0, data.dump()});
  }
  void open(const std::string& cid, const std::string& vid, std::int64_t ts,
            const std::string& channel = "") {
    json d = {{"conversation_id", cid},
              {"workspace_id", ws},
              {"site_key", "wk_1"},
              {"visitor", {{"kind", "visitor"}, {"id", vid}, {"name", "V"}}},
              {"ts", ts}};
    if (!channel.empty()) d["channel"] = channel;
    conversation("conversation_opened", cid, d);
  }
  void post(const std::string& cid, const std::string& kind, const std::string& id, std::int64_t ts,
            bool is_private = false) {
    json d = {{"conversation_id", cid},
              {"seq", ++seq},
              {"ts", ts},
              {"client_msg_id", "m" + std::to_string(seq)},
              {"sender", {{"kind", kind}, {"id", id}, {"name", "Name of " + id}}},
              {"text", "hello"},
              {"attachments", json::array()}};
    if (is_private) d["private"] = true;
    conversation("message_posted", cid, d);
  }
  void status(const std::string& cid, const std::string& status, const std::string& agent,
              std::int64_t ts) {
    json a = agent.empty() ? json(nullptr) : json{{"id", agent}, {"name", "Name of " + agent}};
    conversation("status_changed", cid,
                 {{"conversation_id", cid},
                  {"seq", ++seq},
                  {"ts", ts},
                  {"status", status},
                  {"agent", a},
                  {"queue_position", nullptr}});
  }
  void seen(const std::string& vid, std::int64_t ts, const std::string& country = "DE") {
    visitor("visitor_seen", vid,
            {{"site_key", "wk_1"},
             {"ts", ts},
             {"country", country},
             {"city", ""},
             {"page_url", "https://example.com/"}});
  }
  json overview(std::int64_t from, std::int64_t to, std::int64_t now = 0,
                const std::string& tz = "") {
    return fold.overview(ws, from, to, tz, 0, now);
  }
  // The values of a timeseries, in order.
  std::vector<std::int64_t> values(const json& series) {
    std::vector<std::int64_t> out;
    for (auto& item : series["items"]) out.push_back(item["value"].get<std::int64_t>());
    return out;
  }
  std::vector<std::int64_t> stamps(const json& series) {
    std::vector<std::int64_t> out;
    for (auto& item : series["items"]) out.push_back(item["ts"].get<std::int64_t>());
    return out;
  }

  stats_fold fold;
  std::string ws = "ws_1";
  std::uint64_t seq = 0;
  const std::int64_t t0 = utc(2024, 1, 15, 10);  // a Monday, 10:00 UTC
};

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

TEST_F(StatsFold, DistinctVisitors_AreExactForSmallSetsSpreadOverManyBuckets) {
  // 900 visitors, each seen in 3 different hours over 10 days: every merge stays exact.
  for (int i = 0; i < 900; ++i)
    for (int k = 0; k < 3; ++k) seen("vi_" + std::to_string(i), t0 + ((i + k * 37) % 240) * kHour);
  EXPECT_EQ(overview(t0, t0 + 10 * kDay)["visitors"], 900);
}

TEST_F(StatsFold, DistinctVisitors_Of100kIds_AreWithinAFewPercent) {
  for (int i = 0; i < 100'000; ++i) seen("vi_" + std::to_string(i), t0 + (i % 720) * kHour);
  auto n = overview(t0, t0 + 30 * kDay)["visitors"].get<double>();
  EXPECT_NEAR(n, 100'000, 3'000) << "HyperLogLog estimate";
  auto half = overview(t0, t0 + 15 * kDay)["visitors"].get<double>();
  EXPECT_NEAR(half, 50'000, 1'500);
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

TEST_F(StatsFold, VisitorsToday_CountsDistinctVisitorsSinceLocalMidnightOfNow) {
  auto now = utc(2024, 1, 15, 12);
  seen("vi_1", utc(2024, 1, 14, 22, 30));  // 23:30 in Berlin, yesterday
  seen("vi_2", utc(2024, 1, 14, 23, 30));  // 00:30 in Berlin, today
  seen("vi_3", utc(2024, 1, 15, 11));
  seen("vi_3", utc(2024, 1, 15, 11, 5));
  EXPECT_EQ(overview(0, 1, now, "")["visitors_today"], 1);
  EXPECT_EQ(overview(0, 1, now, "Europe/Berlin")["visitors_today"], 2);
  EXPECT_EQ(overview(0, 1, now, "America/New_York")["visitors_today"], 1);  // since 05:00 UTC
  EXPECT_EQ(overview(0, 1, utc(2024, 1, 14, 23, 45), "Europe/Berlin")["visitors_today"], 1);
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

TEST_F(StatsFold, Percentiles_OfSpreadDurations_AreWithinTwoPercent) {
  duration_histogram h;
  for (std::int64_t v = 1; v <= 100'000; ++v) h.add(v * 37);
  EXPECT_NEAR(static_cast<double>(*h.percentile(50)), 50'000.0 * 37, 50'000.0 * 37 * 0.02);
  EXPECT_NEAR(static_cast<double>(*h.percentile(90)), 90'000.0 * 37, 90'000.0 * 37 * 0.02);
  duration_histogram other;
  other.merge(h);
  other.merge(h);
  EXPECT_EQ(other.count(), 200'000u);
  EXPECT_EQ(other.percentile(50), h.percentile(50));
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

TEST_F(StatsFold, AnyRange_CountsWhatABruteForceCountOfItsEventsGives) {
  // Ranges are answered from hours and 6-hour, day and 8-day rollups: each hour once.
  std::mt19937_64 rng{1};
  struct seen_event {
    std::int64_t ts;
    std::string vid;
  };
  std::vector<std::int64_t> opened, widget, visitor_msgs;
  std::vector<seen_event> seen_events;
  const std::int64_t start = utc(2024, 1, 1);
  for (int i = 0; i < 3'000; ++i) {
    std::int64_t ts = start + static_cast<std::int64_t>(rng() % (20 * kDay));
    auto vid = "vi_" + std::to_string(rng() % 300);
    switch (rng() % 4) {
      case 0: {
        auto cid = "cv_" + std::to_string(i);
        open(cid, vid, ts);
        opened.push_back(ts);
        post(cid, "visitor", vid, ts + 1);
        visitor_msgs.push_back(ts + 1);
        break;
      }
      case 1:
        visitor("widget_opened", vid, {{"ts", ts}});
        widget.push_back(ts);
        break;
      default:
        seen(vid, ts);
        seen_events.push_back({ts, vid});
    }
  }
  for (int r = 0; r < 200; ++r) {
    auto from = start - kDay + static_cast<std::int64_t>(rng() % (22 * kDay));
    auto to = from + static_cast<std::int64_t>(rng() % (21 * kDay));
    if (r % 2) from = from / kHour * kHour;
    // the hour buckets the range overlaps
    auto first = from / kHour * kHour;
    auto end = (to + kHour - 1) / kHour * kHour;
    auto in = [&](std::int64_t ts) { return ts >= first && ts < end; };
    auto count = [&](const std::vector<std::int64_t>& v) {
      return static_cast<std::int64_t>(std::count_if(v.begin(), v.end(), in));
    };
    std::set<std::string> distinct;
    for (auto& e : seen_events)
      if (in(e.ts)) distinct.insert(e.vid);
    auto o = overview(from, to);
    ASSERT_EQ(o["conversations"], count(opened)) << "range " << from << ".." << to;
    ASSERT_EQ(o["widget_opens"], count(widget)) << "range " << from << ".." << to;
    ASSERT_EQ(o["messages"]["visitor"], count(visitor_msgs)) << "range " << from << ".." << to;
    ASSERT_EQ(o["visitors"], distinct.size()) << "range " << from << ".." << to;
  }
}

// ---- time series and time zones ----

TEST_F(StatsFold, HourlySeries_ListEveryHourOfTheRangeWithEmptyHoursAsZero) {
  open("cv_1", "vi_1", t0);
  post("cv_1", "visitor", "vi_1", t0 + 5);
  post("cv_1", "visitor", "vi_1", t0 + 2 * kHour);
  auto s = fold.timeseries(ws, "messages", "hour", t0, t0 + 4 * kHour, "");
  EXPECT_EQ(s["metric"], "messages");
  EXPECT_EQ(s["bucket"], "hour");
  EXPECT_EQ(values(s), (std::vector<std::int64_t>{1, 0, 1, 0}));
  EXPECT_EQ(stamps(s), (std::vector<std::int64_t>{t0, t0 + kHour, t0 + 2 * kHour, t0 + 3 * kHour}));
}

TEST_F(StatsFold, DailySeries_OfVisitors_CountsDistinctVisitorsPerDay) {
  seen("vi_1", t0);
  seen("vi_1", t0 + kHour);
  seen("vi_2", t0 + 2 * kHour);
  seen("vi_1", t0 + kDay);
  auto day = utc(2024, 1, 15);
  auto s = fold.timeseries(ws, "visitors", "day", day, day + 3 * kDay, "");
  EXPECT_EQ(values(s), (std::vector<std::int64_t>{2, 1, 0}));
  EXPECT_EQ(stamps(s), (std::vector<std::int64_t>{day, day + kDay, day + 2 * kDay}));
}

TEST_F(StatsFold, DailySeries_InBerlin_StartAtLocalMidnight) {
  visitor("widget_opened", "vi_1", {{"ts", utc(2024, 1, 15, 22, 30)}});  // 23:30 local, the 15th
  visitor("widget_opened", "vi_1", {{"ts", utc(2024, 1, 15, 23, 30)}});  // 00:30 local, the 16th
  auto s = fold.timeseries(ws, "widget_opens", "day", utc(2024, 1, 15), utc(2024, 1, 17),
                           "Europe/Berlin");
  EXPECT_EQ(stamps(s), (std::vector<std::int64_t>{utc(2024, 1, 14, 23), utc(2024, 1, 15, 23),
                                                  utc(2024, 1, 16, 23)}));
  EXPECT_EQ(values(s), (std::vector<std::int64_t>{1, 1, 0}));
}

TEST_F(StatsFold, DailySeries_OnBerlinsSpringForwardDay_Cover23Hours) {
  // 2024-03-31: clocks go from 02:00 to 03:00 local; the day runs 23:00Z (30th) to 22:00Z.
  visitor("widget_opened", "vi_1", {{"ts", utc(2024, 3, 30, 23, 10)}});  // the 31st
  visitor("widget_opened", "vi_1", {{"ts", utc(2024, 3, 31, 21, 50)}});  // the 31st, 23:50 local
  visitor("widget_opened", "vi_1", {{"ts", utc(2024, 3, 31, 22, 10)}});  // April 1st, 00:10 local
  auto s = fold.timeseries(ws, "widget_opens", "day", utc(2024, 3, 30, 23), utc(2024, 4, 1, 22),
                           "Europe/Berlin");
  EXPECT_EQ(stamps(s), (std::vector<std::int64_t>{utc(2024, 3, 30, 23), utc(2024, 3, 31, 22)}));
  EXPECT_EQ(values(s), (std::vector<std::int64_t>{2, 1}));
}

TEST_F(StatsFold, DailySeries_OnBerlinsFallBackDay_Cover25Hours) {
  // 2024-10-27: clocks go from 03:00 back to 02:00; the day runs 22:00Z (26th) to 23:00Z.
  visitor("widget_opened", "vi_1", {{"ts", utc(2024, 10, 26, 22, 10)}});
  visitor("widget_opened", "vi_1", {{"ts", utc(2024, 10, 27, 22, 50)}});  // 23:50 local
  visitor("widget_opened", "vi_1", {{"ts", utc(2024, 10, 27, 23, 10)}});  // the 28th
  auto s = fold.timeseries(ws, "widget_opens", "day", utc(2024, 10, 26, 22), utc(2024, 10, 28, 23),
                           "Europe/Berlin");
  EXPECT_EQ(stamps(s), (std::vector<std::int64_t>{utc(2024, 10, 26, 22), utc(2024, 10, 27, 23)}));
  EXPECT_EQ(values(s), (std::vector<std::int64_t>{2, 1}));
}

TEST_F(StatsFold, DailySeries_InNewYork_FollowLocalMidnightAcrossTheDstChange) {
  // 2024-03-10: EST (UTC-5) becomes EDT (UTC-4) at 02:00 local.
  visitor("widget_opened", "vi_1", {{"ts", utc(2024, 3, 10, 4, 30)}});  // 23:30 EST, the 9th
  visitor("widget_opened", "vi_1", {{"ts", utc(2024, 3, 10, 5, 30)}});  // 00:30 EST, the 10th
  visitor("widget_opened", "vi_1", {{"ts", utc(2024, 3, 11, 3, 30)}});  // 23:30 EDT, the 10th
  visitor("widget_opened", "vi_1", {{"ts", utc(2024, 3, 11, 4, 30)}});  // 00:30 EDT, the 11th
  auto s = fold.timeseries(ws, "widget_opens", "day", utc(2024, 3, 9, 5), utc(2024, 3, 12, 4),
                           "America/New_York");
  EXPECT_EQ(stamps(s), (std::vector<std::int64_t>{utc(2024, 3, 9, 5), utc(2024, 3, 10, 5),
                                                  utc(2024, 3, 11, 4)}));
  EXPECT_EQ(values(s), (std::vector<std::int64_t>{1, 2, 1}));
}

TEST_F(StatsFold, DailySeries_InKolkata_RoundTheHalfHourMidnightDownToItsHourBucket) {
  // Documented behaviour: IST is UTC+5:30, midnight is 18:30Z; a day covers the hour buckets
  // 18:00Z-18:00Z, so 18:10Z (23:40 local, the 15th) already counts on the 16th.
  visitor("widget_opened", "vi_1", {{"ts", utc(2024, 1, 15, 17, 50)}});  // 23:20 local, the 15th
  visitor("widget_opened", "vi_1", {{"ts", utc(2024, 1, 15, 18, 10)}});  // 23:40 local, the 15th
  visitor("widget_opened", "vi_1", {{"ts", utc(2024, 1, 15, 18, 40)}});  // 00:10 local, the 16th
  auto s = fold.timeseries(ws, "widget_opens", "day", utc(2024, 1, 14, 18, 30),
                           utc(2024, 1, 16, 18, 30), "Asia/Kolkata");
  EXPECT_EQ(stamps(s),
            (std::vector<std::int64_t>{utc(2024, 1, 14, 18, 30), utc(2024, 1, 15, 18, 30)}));
  EXPECT_EQ(values(s), (std::vector<std::int64_t>{1, 2}));
}

TEST_F(StatsFold, Series_AreCappedAt5000Items) {
  auto s = fold.timeseries(ws, "messages", "hour", t0, t0 + 10'000 * kHour, "");
  EXPECT_EQ(s["items"].size(), kTimeseriesMaxItems);
  EXPECT_EQ(s["items"].back()["ts"], t0 + 4'999 * kHour);
}

TEST(StatsTimeZone, ValidNamesAreKnownAndOffsetsFollowDst) {
  EXPECT_TRUE(valid_timezone(""));
  EXPECT_TRUE(valid_timezone("Europe/Berlin"));
  EXPECT_TRUE(valid_timezone("UTC"));
  EXPECT_FALSE(valid_timezone("Mars/Olympus_Mons"));
  EXPECT_FALSE(valid_timezone("../../etc/passwd"));
  EXPECT_EQ(utc_offset_ms("Europe/Berlin", utc(2024, 1, 15)), kHour);
  EXPECT_EQ(utc_offset_ms("Europe/Berlin", utc(2024, 7, 15)), 2 * kHour);
  EXPECT_EQ(utc_offset_ms("Asia/Kolkata", utc(2024, 7, 15)), 5 * kHour + 30 * kMinute);
  EXPECT_EQ(utc_offset_ms("", utc(2024, 7, 15)), 0);
  EXPECT_EQ(utc_offset_ms("Nowhere/Else", 0), std::nullopt);
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
