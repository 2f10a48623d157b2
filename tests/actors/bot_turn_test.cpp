// A bot's turn in a conversation (pure): which events a flow's effects become, and the bot's
// events surviving the log (encode -> decode -> evolve).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "actors/bots/flow.hpp"
#include "actors/conversation/bot_turn.hpp"
#include "actors/conversation/decide.hpp"
#include "actors/conversation/evolve.hpp"

namespace sb::conversation {
namespace {
using json = nlohmann::json;

const party kVisitor{"visitor", "vi_1", "Visitor"};

std::shared_ptr<const bots::flow> sales() {
  json def{{"name", "Sales bot"},
           {"start", "welcome"},
           {"nodes",
            {{{"id", "welcome"},
              {"type", "message"},
              {"text", "Hi {{visitor.name}}"},
              {"buttons", {{{"label", "Pricing"}, {"value", "pricing"}}}},
              {"next", "ask"}},
             {{"id", "ask"}, {"type", "action"}, {"action", "wait"}, {"var", "topic"}, {"next", "route"}},
             {{"id", "route"},
              {"type", "condition"},
              {"match", "keyword"},
              {"any", {"pricing"}},
              {"then", "bye"},
              {"else", "human"}},
             {{"id", "bye"}, {"type", "action"}, {"action", "close"}, {"text", "10 EUR. Bye"}},
             {{"id", "human"}, {"type", "action"}, {"action", "handoff"}}}}};
  bots::flow_error err;
  auto f = bots::parse_flow(def, err);
  EXPECT_TRUE(f) << err.node << ": " << err.message;
  return f;
}

state given(const std::vector<event>& evs) {
  state s;
  for (auto& e : evs) evolve(s, e);
  return s;
}

// The events as they come back from the log.
std::vector<event> stored(const std::vector<event>& evs) {
  std::vector<event> out;
  for (auto& e : evs) {
    auto back = decode_event(type_name(e), 1, encode_data("cv_1", e));
    EXPECT_TRUE(back) << type_name(e);
    if (back) out.push_back(*back);
  }
  return out;
}

bot_run_ref ref_of(const state& s) { return {s.bot_flow_id, s.bot_version, s.bot_name, s.bot_run}; }

TEST(BotTurn, OpenWithABot_StartsBotWithTheFlowVersionAndNoOfflineMessage) {
  open_conversation open{"ws_1", "wk_1", kVisitor, "We are away", bot_start{"fl_1", 3, "Sales bot"}};
  auto o = decide_open({}, "cv_1", open, {"c1", "hello"}, 100);
  ASSERT_TRUE(o.ok());
  ASSERT_EQ(o.events.size(), 4u);
  EXPECT_EQ(std::get<status_changed>(o.events[2]).status, "bot");
  auto& b = std::get<bot_state>(o.events[3]);
  EXPECT_EQ(b.flow_id, "fl_1");
  EXPECT_EQ(b.version, 3);
  auto s = given(stored(o.events));
  EXPECT_EQ(s.status, "bot");
  EXPECT_EQ(s.bot_version, 3);
  EXPECT_EQ(s.last_seq, 2u);
}

TEST(BotTurn, FirstMessage_BecomesABotMessageWithButtonsAndAStoredRun) {
  auto f = sales();
  bots::context ctx;
  ctx.visitor_name = "Ada";
  auto r = bot_on_message(*f, {"fl_1", 1, "Sales bot", "{}"}, ctx, "hello", 3, 200);
  ASSERT_EQ(r.events.size(), 2u);
  auto& m = std::get<message_posted>(r.events[0]);
  EXPECT_EQ(m.seq, 3u);
  EXPECT_EQ(m.sender.kind, "bot");
  EXPECT_EQ(m.sender.id, "fl_1");
  EXPECT_EQ(m.sender.name, "Sales bot");
  EXPECT_EQ(m.text, "Hi Ada");
  EXPECT_EQ(json::parse(m.buttons), json::parse(R"([{"label":"Pricing","value":"pricing"}])"));
  EXPECT_TRUE(std::holds_alternative<bot_state>(r.events[1]));
  // The frame carries the buttons, and so does the event read back from the log.
  auto frame = json::parse(render_frame("cv_1", r.events[0], encode_data("cv_1", r.events[0])));
  EXPECT_EQ(frame["type"], "message");
  EXPECT_EQ(frame["buttons"][0]["value"], "pricing");
  EXPECT_EQ(std::get<message_posted>(stored(r.events)[0]).buttons, m.buttons);
}

TEST(BotTurn, TheRunContinuesFromWhatTheLogKept) {
  auto f = sales();
  open_conversation open{"ws_1", "wk_1", kVisitor, "", bot_start{"fl_1", 1, "Sales bot"}};
  auto o = decide_open({}, "cv_1", open, {"c1", "hello"}, 100);
  auto s = given(stored(o.events));
  auto first = bot_on_message(*f, ref_of(s), {}, "hello", s.last_seq + 1, 110);
  for (auto& e : stored(first.events)) evolve(s, e);
  // The visitor's answer, then the bot's turn on the state read back.
  auto post = decide(s, {kVisitor, "ws_1"}, post_message{"c2", "pricing please"}, 120);
  ASSERT_TRUE(post.ok());
  for (auto& e : post.events) evolve(s, e);
  auto second = bot_on_message(*f, ref_of(s), {}, "pricing please", s.last_seq + 1, 130);
  ASSERT_EQ(second.events.size(), 3u);
  EXPECT_EQ(std::get<message_posted>(second.events[0]).text, "10 EUR. Bye");
  auto& closed = std::get<status_changed>(second.events[1]);
  EXPECT_EQ(closed.status, "closed");
  EXPECT_EQ(closed.via, "bot");
  EXPECT_EQ(closed.seq, std::get<message_posted>(second.events[0]).seq + 1);
}

TEST(BotTurn, AnythingElse_HandsOffToTheQueue) {
  auto f = sales();
  auto first = bot_on_message(*f, {"fl_1", 1, "Sales bot", "{}"}, {}, "hello", 3, 100);
  auto run = std::get<bot_state>(first.events.back()).run;
  auto r = bot_on_message(*f, {"fl_1", 1, "Sales bot", run}, {}, "where is my parcel", 5, 110);
  ASSERT_FALSE(r.events.empty());
  auto& st = std::get<status_changed>(r.events[0]);
  EXPECT_EQ(st.status, "waiting");
  EXPECT_EQ(st.via, "handoff");
  EXPECT_EQ(st.seq, 5u);
}

TEST(BotTurn, ALostFlow_HandsTheVisitorToAPerson) {
  auto r = bot_lost(7, 100);
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(std::get<status_changed>(r.events[0]).status, "waiting");
  EXPECT_EQ(r.errors.size(), 1u);
}

}  // namespace
}  // namespace sb::conversation
