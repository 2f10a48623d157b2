#include "projections/history_fold.hpp"

#include <gtest/gtest.h>

namespace sb::projections {
namespace {
using json = nlohmann::json;

events::envelope ev(const std::string& type, json data) {
  return {type, 1, "conversation/cv_1", 0, 0, 0, data.dump()};
}

json sender(const std::string& kind) { return {{"kind", kind}, {"id", kind + "_1"}, {"name", kind}}; }

TEST(HistoryFold, Messages_AreStoredAndCountedUnreadUntilStaffReadsOrReplies) {
  json s;
  fold_history(s, ev("conversation_opened", {{"conversation_id", "cv_1"}, {"workspace_id", "ws_1"},
                                             {"site_key", "wk"}, {"visitor", sender("visitor")},
                                             {"ts", 1795366175590}}));
  auto c = fold_history(s, ev("message_posted", {{"conversation_id", "cv_1"}, {"seq", 1}, {"ts", 1795366175591},
                                                 {"client_msg_id", "c1"}, {"sender", sender("visitor")},
                                                 {"text", "hi"}, {"attachments", json::array()}}));
  ASSERT_TRUE(c && c->message);
  EXPECT_EQ(c->message->first, 1u);
  EXPECT_EQ(json::parse(c->message->second)["type"], "message");
  fold_history(s, ev("message_posted", {{"conversation_id", "cv_1"}, {"seq", 2}, {"ts", 3},
                                        {"client_msg_id", "c2"}, {"sender", sender("visitor")},
                                        {"text", "there?"}}));
  auto view = summary_view(s);
  EXPECT_EQ(view["unread"], 2);
  EXPECT_EQ(view["created_ts"], 1795366175590);  // ms since the epoch survive as 64-bit
  EXPECT_EQ(view["last_message"]["text"], "there?");
  fold_history(s, ev("read_marked", {{"reader", {{"kind", "agent"}, {"id", "us_1"}}}, {"seq", 1}}));
  EXPECT_EQ(summary_view(s)["unread"], 1);
  fold_history(s, ev("message_posted", {{"conversation_id", "cv_1"}, {"seq", 3}, {"ts", 4},
                                        {"client_msg_id", "a1"}, {"sender", sender("agent")},
                                        {"text", "yes"}}));
  EXPECT_EQ(summary_view(s)["unread"], 0);
  fold_history(s, ev("status_changed", {{"seq", 4}, {"ts", 5}, {"status", "closed"}, {"agent", nullptr}}));
  EXPECT_EQ(summary_view(s)["status"], "closed");
  EXPECT_EQ(summary_view(s)["last_seq"], 4);
}

TEST(HistoryFold, ManyUnreadMessages_AreCountedExactlyWhileTheSummaryStaysSmall) {
  json s;
  fold_history(s, ev("conversation_opened", {{"conversation_id", "cv_1"}, {"workspace_id", "ws_1"},
                                             {"visitor", sender("visitor")}, {"ts", 1}}));
  for (std::uint64_t seq = 1; seq <= 1000; ++seq)
    fold_history(s, ev("message_posted", {{"conversation_id", "cv_1"}, {"seq", seq}, {"ts", 2},
                                          {"client_msg_id", "c" + std::to_string(seq)},
                                          {"sender", sender("visitor")}, {"text", "x"}}));
  EXPECT_EQ(summary_view(s)["unread"], 1000);
  EXPECT_LE(s["unread_seqs"].size(), kUnreadSeqsKept);
  fold_history(s, ev("read_marked", {{"reader", {{"kind", "agent"}, {"id", "us_1"}}}, {"seq", 990}}));
  EXPECT_EQ(summary_view(s)["unread"], 10);
  fold_history(s, ev("read_marked", {{"reader", {{"kind", "visitor"}, {"id", "vi_1"}}}, {"seq", 1000}}));
  EXPECT_EQ(summary_view(s)["unread"], 10) << "a visitor's read marker is not the staff's";
}

TEST(HistoryFold, OtherStreamsAndOrphanEvents_AreIgnored) {
  json s;
  events::envelope w{"user_created", 1, "workspace/ws_1", 1, 0, 0, "{}"};
  EXPECT_FALSE(fold_history(s, w));
  EXPECT_FALSE(fold_history(s, ev("message_posted", {{"seq", 1}})));
}

}  // namespace
}  // namespace sb::projections
