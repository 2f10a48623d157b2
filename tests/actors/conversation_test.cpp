// Given events, when a command, then events or an error: the pure halves of a conversation.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "actors/conversation/decide.hpp"
#include "actors/conversation/evolve.hpp"

namespace sb::conversation {
namespace {

const party kVisitor{"visitor", "vi_1", "Visitor"};
const principal kVisitorP{kVisitor, "ws_1"};
const principal kAgent{{"agent", "us_a", "Ann"}, "ws_1"};
const principal kOtherAgent{{"agent", "us_b", "Bob"}, "ws_1"};
const principal kForeignAgent{{"agent", "us_x", "Xi"}, "ws_2"};

state given(const std::vector<event>& evs) {
  state s;
  for (auto& e : evs) evolve(s, e);
  return s;
}

state opened_state() {
  auto o = decide_open({}, "cv_1", {"ws_1", "wk_1", kVisitor, ""}, {"c1", "hello"}, 100);
  EXPECT_TRUE(o.ok());
  return given(o.events);
}

state apply(state s, const outcome& o) {
  for (auto& e : o.events) evolve(s, e);
  return s;
}

TEST(Conversation, Open_PostsTheFirstMessageAsSeq1ThenWaitingAsSeq2) {
  auto o = decide_open({}, "cv_1", {"ws_1", "wk_1", kVisitor, ""}, {"c1", "hello"}, 100);
  ASSERT_TRUE(o.ok());
  ASSERT_EQ(o.events.size(), 3u);
  EXPECT_EQ(std::get<message_posted>(o.events[1]).seq, 1u);
  auto& st = std::get<status_changed>(o.events[2]);
  EXPECT_EQ(st.seq, 2u);
  EXPECT_EQ(st.status, "waiting");
  auto s = given(o.events);
  EXPECT_EQ(s.status, "waiting");
  EXPECT_EQ(s.last_seq, 2u);
  EXPECT_EQ(s.stream_seq, 3u);
}

TEST(Conversation, Post_TakesTheNextSeq) {
  auto s = opened_state();
  auto o = decide(s, kAgent, post_message{"a1", "hi"}, 200);
  ASSERT_TRUE(o.ok());
  ASSERT_EQ(o.events.size(), 1u);
  EXPECT_EQ(std::get<message_posted>(o.events[0]).seq, 3u);
  EXPECT_EQ(std::get<message_posted>(o.events[0]).sender.kind, "agent");
}

TEST(Conversation, RetriedClientMsgId_StoresNothingAndAnswersTheFirstSeq) {
  auto s = apply(opened_state(), decide(opened_state(), kAgent, post_message{"a1", "hi"}, 200));
  auto again = decide(s, kAgent, post_message{"a1", "hi (retried)"}, 300);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again.events.empty());
  ASSERT_TRUE(again.duplicate_of);
  EXPECT_EQ(again.duplicate_of->seq, 3u);
  EXPECT_EQ(again.duplicate_of->ts, 200);
  // the first message's id, retried by the visitor after a reconnect
  auto v = decide(s, kVisitorP, post_message{"c1", "hello"}, 300);
  ASSERT_TRUE(v.duplicate_of);
  EXPECT_EQ(v.duplicate_of->seq, 1u);
}

TEST(Conversation, SameClientMsgIdFromAnotherSender_IsANewMessage) {
  auto s = opened_state();
  auto o = decide(s, kAgent, post_message{"c1", "agent's own c1"}, 200);
  ASSERT_TRUE(o.ok());
  EXPECT_FALSE(o.duplicate_of);
  EXPECT_EQ(o.events.size(), 1u);
}

TEST(Conversation, BadMessages_AreRefusedWithoutEvents) {
  auto s = opened_state();
  struct bad_case {
    post_message m;
    errc code;
  } cases[] = {
      {{"", "x"}, errc::bad_request},
      {{std::string(129, 'i'), "x"}, errc::bad_request},
      {{"m", ""}, errc::bad_request},
      {{"m", "  \n\t"}, errc::bad_request},
      {{"m", std::string(4001, 'a')}, errc::too_large},
      {{"m", "bad \xff utf8"}, errc::bad_request},
      {{"m", "overlong \xc0\xaf"}, errc::bad_request},
      {{"m", "surrogate \xed\xa0\x80"}, errc::bad_request},
  };
  for (auto& c : cases) {
    auto o = decide(s, kVisitorP, c.m, 1);
    EXPECT_EQ(o.error.code, c.code) << c.m.text;
    EXPECT_TRUE(o.events.empty());
  }
  // 4000 characters of 3-byte UTF-8 are fine: the limit counts characters, not bytes
  std::string euros;
  for (int i = 0; i < 4000; ++i) euros += "\xe2\x82\xac";
  EXPECT_TRUE(decide(s, kVisitorP, post_message{"m", euros}, 1).ok());
}

TEST(Conversation, Accept_MovesWaitingToActiveOnce) {
  auto s = opened_state();
  auto o = decide(s, kAgent, accept{}, 300);
  ASSERT_TRUE(o.ok());
  auto& st = std::get<status_changed>(o.events.at(0));
  EXPECT_EQ(st.status, "active");
  EXPECT_EQ(st.seq, 3u);
  ASSERT_TRUE(st.agent);
  EXPECT_EQ(st.agent->id, "us_a");
  s = apply(s, o);
  EXPECT_TRUE(decide(s, kAgent, accept{}, 301).events.empty());         // already ours
  EXPECT_EQ(decide(s, kOtherAgent, accept{}, 301).error.code, errc::conflict);
}

TEST(Conversation, StrangersAndVisitors_CannotAccept) {
  auto s = opened_state();
  EXPECT_EQ(decide(s, kVisitorP, accept{}, 1).error.code, errc::forbidden);
  EXPECT_EQ(decide(s, kForeignAgent, accept{}, 1).error.code, errc::not_found);
  principal other_visitor{{"visitor", "vi_2", "Eve"}, "ws_1"};
  EXPECT_EQ(decide(s, other_visitor, post_message{"x", "hi"}, 1).error.code, errc::not_found);
  // The same visitor id claimed from another workspace (a channel's ids come from outside).
  principal same_id_elsewhere{kVisitor, "ws_2"};
  EXPECT_EQ(decide(s, same_id_elsewhere, post_message{"x", "hi"}, 1).error.code, errc::not_found);
}

TEST(Conversation, Closed_RefusesMessagesAndClosingTwiceChangesNothing) {
  auto s = opened_state();
  s = apply(s, decide(s, kVisitorP, close{}, 400));
  EXPECT_EQ(s.status, "closed");
  EXPECT_EQ(decide(s, kAgent, post_message{"late", "hello?"}, 401).error.code, errc::conflict);
  EXPECT_EQ(decide(s, kAgent, accept{}, 401).error.code, errc::conflict);
  auto again = decide(s, kAgent, close{}, 402);
  EXPECT_TRUE(again.ok());
  EXPECT_TRUE(again.events.empty());
}

TEST(Conversation, ReadMarkers_MoveForwardOnlyAndStayInRange) {
  auto s = opened_state();
  EXPECT_EQ(decide(s, kAgent, mark_read{3}, 1).error.code, errc::bad_request);
  auto o = decide(s, kAgent, mark_read{2}, 1);
  ASSERT_EQ(o.events.size(), 1u);
  s = apply(s, o);
  EXPECT_EQ(s.staff_read_seq, 2u);
  EXPECT_EQ(s.last_seq, 2u);  // read markers take no wire seq
  EXPECT_TRUE(decide(s, kAgent, mark_read{1}, 1).events.empty());
}

TEST(Conversation, UnknownConversation_IsNotFound) {
  EXPECT_EQ(decide({}, kAgent, post_message{"a", "b"}, 1).error.code, errc::not_found);
}

TEST(Conversation, MessageData_IsValidJsonForAnyText) {
  const std::string tricky = "q\"uote b\\ack nl\n tab\t ctl\x01\x1f del\x7f é 日本 😀 </script>";
  message_posted m{7, 1795366175590, "id\"1", {"agent", "us_\\", "Ann \"A\""}, tricky};
  auto j = nlohmann::json::parse(encode_data("cv_1", m));
  EXPECT_EQ(j["text"], tricky);
  EXPECT_EQ(j["client_msg_id"], "id\"1");
  EXPECT_EQ(j["sender"]["name"], "Ann \"A\"");
  EXPECT_EQ(j["seq"], 7);
  EXPECT_EQ(j["ts"], 1795366175590);
  auto frame = nlohmann::json::parse(render_frame("cv_1", m, encode_data("cv_1", m)));
  EXPECT_EQ(frame["type"], "message");
  EXPECT_EQ(frame["conversation_id"], "cv_1");
  EXPECT_EQ(frame["text"], tricky);
}

TEST(Conversation, StatusData_IsValidJsonAndSurvivesItsEncoding) {
  status_changed sc{4, 1795366175590, "active", party{"agent", "us_\"1", "Ann \"A\" \\ é\n"}, "assign", 42};
  auto data = encode_data("cv_1", sc);
  auto j = nlohmann::json::parse(data);
  EXPECT_EQ(j["agent"]["name"], "Ann \"A\" \\ é\n");
  EXPECT_EQ(j["queue_key"], 42);
  auto back = decode_event("status_changed", 1, data);
  ASSERT_TRUE(back);
  auto& b = std::get<status_changed>(*back);
  EXPECT_EQ(b.seq, 4u);
  EXPECT_EQ(b.ts, 1795366175590);
  EXPECT_EQ(b.status, "active");
  ASSERT_TRUE(b.agent);
  EXPECT_EQ(b.agent->id, "us_\"1");
  EXPECT_EQ(b.via, "assign");
  EXPECT_EQ(b.queue_key, 42);
  // The wire frame: type status, the queue_position field, no queue_key (internal).
  auto frame = nlohmann::json::parse(render_frame("cv_1", sc, data));
  EXPECT_EQ(frame["type"], "status");
  EXPECT_EQ(frame["conversation_id"], "cv_1");
  EXPECT_EQ(frame["seq"], 4);
  EXPECT_TRUE(frame["queue_position"].is_null());
  EXPECT_FALSE(frame.contains("queue_key"));
  status_changed closed{5, 1, "closed", std::nullopt, "close", std::nullopt};
  auto cf = nlohmann::json::parse(render_frame("cv_1", closed));
  EXPECT_TRUE(cf["agent"].is_null());
  EXPECT_EQ(cf["via"], "close");
}

TEST(Conversation, EventsSurviveTheirEncoding) {
  auto o = decide_open({}, "cv_1", {"ws_1", "wk_1", kVisitor, ""}, {"c1", "h\"é\n"}, 100);
  state direct, decoded;
  for (auto& e : o.events) {
    evolve(direct, e);
    auto back = decode_event(type_name(e), 1, encode_data("cv_1", e));
    ASSERT_TRUE(back);
    evolve(decoded, *back);
  }
  EXPECT_EQ(decoded.status, direct.status);
  EXPECT_EQ(decoded.last_seq, direct.last_seq);
  EXPECT_EQ(decoded.visitor.id, direct.visitor.id);
  EXPECT_EQ(decoded.posted.size(), direct.posted.size());
  EXPECT_FALSE(decode_event("message_posted", 2, encode_data("cv_1", o.events[1])));
  EXPECT_FALSE(decode_event("message_posted", 1, "{not json"));
}

}  // namespace
}  // namespace sb::conversation

namespace sb::conversation {
namespace {

const principal kRouter{{"system", "router", "Router"}, "ws_1"};

TEST(Conversation, PrivateNote_TakesASeqAndIsMarkedStaffOnly) {
  auto s = opened_state();
  post_message note{"n1", "check the invoice"};
  note.private_note = true;
  auto o = decide(s, kAgent, note, 200);
  ASSERT_TRUE(o.ok());
  ASSERT_EQ(o.events.size(), 1u);
  EXPECT_TRUE(staff_only(o.events[0]));
  EXPECT_EQ(std::get<message_posted>(o.events[0]).seq, 3u);
  auto frame = nlohmann::json::parse(render_frame("cv_1", o.events[0], encode_data("cv_1", o.events[0])));
  EXPECT_EQ(frame["private"], true);
}

TEST(Conversation, AVisitorCannotWriteAPrivateNote) {
  post_message note{"n1", "sneaky"};
  note.private_note = true;
  EXPECT_EQ(decide(opened_state(), kVisitorP, note, 200).error.code, errc::forbidden);
}

TEST(Conversation, AVisitorMessageAfterClose_ReopensWithinTheWindow) {
  auto s = apply(opened_state(), decide(opened_state(), kAgent, close{}, 1000));
  post_message m{"c2", "one more thing"};
  m.reopen_within_ms = 5000;
  auto o = decide(s, kVisitorP, m, 3000);
  ASSERT_TRUE(o.ok());
  ASSERT_EQ(o.events.size(), 2u);
  auto& st = std::get<status_changed>(o.events[1]);
  EXPECT_EQ(st.status, "waiting");
  EXPECT_EQ(st.via, "reopen");
  EXPECT_FALSE(st.agent);
}

TEST(Conversation, AVisitorMessageAfterTheWindow_IsAConflict) {
  auto s = apply(opened_state(), decide(opened_state(), kAgent, close{}, 1000));
  post_message m{"c2", "much later"};
  m.reopen_within_ms = 5000;
  EXPECT_EQ(decide(s, kVisitorP, m, 7000).error.code, errc::conflict);
  EXPECT_EQ(decide(s, kAgent, post_message{"a9", "staff cannot reopen"}, 2000).error.code, errc::conflict);
}

TEST(Conversation, Assign_OnlyByTheRouterAndOnlyWhileWaiting) {
  auto s = opened_state();
  EXPECT_EQ(decide(s, kAgent, assign{kAgent.who}, 200).error.code, errc::forbidden);
  auto o = decide(s, kRouter, assign{kAgent.who}, 200);
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(std::get<status_changed>(o.events[0]).via, "assign");
  auto active = apply(s, o);
  EXPECT_EQ(decide(active, kRouter, assign{kOtherAgent.who}, 300).error.code, errc::conflict);
}

TEST(Conversation, ConcurrentAccepts_OnlyTheFirstWins) {
  auto s = opened_state();
  auto first = decide(s, kAgent, accept{}, 200);
  ASSERT_TRUE(first.ok());
  auto after = apply(s, first);
  EXPECT_EQ(decide(after, kOtherAgent, accept{}, 201).error.code, errc::conflict);
  EXPECT_EQ(decide(after, kRouter, assign{kOtherAgent.who}, 201).error.code, errc::conflict);
}

TEST(Conversation, Transfer_HandsTheConversationToTheColleague) {
  auto s = apply(opened_state(), decide(opened_state(), kAgent, accept{}, 200));
  auto o = decide(s, kAgent, transfer{kOtherAgent.who}, 300);
  ASSERT_TRUE(o.ok());
  auto after = apply(s, o);
  EXPECT_EQ(after.agent->id, "us_b");
  EXPECT_EQ(decide(after, kVisitorP, transfer{kAgent.who}, 400).error.code, errc::forbidden);
  EXPECT_EQ(decide(after, kForeignAgent, transfer{kAgent.who}, 400).error.code, errc::not_found);
}

TEST(Conversation, Requeue_PutsAnActiveConversationBackWithItsKey) {
  auto s = apply(opened_state(), decide(opened_state(), kAgent, accept{}, 200));
  auto o = decide(s, kRouter, requeue{-5}, 300);
  ASSERT_TRUE(o.ok());
  auto& st = std::get<status_changed>(o.events[0]);
  EXPECT_EQ(st.status, "waiting");
  EXPECT_EQ(st.queue_key, -5);
  auto frame = nlohmann::json::parse(render_frame("cv_1", o.events[0], encode_data("cv_1", o.events[0])));
  EXPECT_FALSE(frame.contains("queue_key")) << "the key is not part of the wire";
  auto back = decode_event("status_changed", 1, encode_data("cv_1", o.events[0]));
  ASSERT_TRUE(back);
  EXPECT_EQ(std::get<status_changed>(*back).queue_key, -5);
}

TEST(Conversation, Labels_AreSetByStaffAndARepeatChangesNothing) {
  auto s = opened_state();
  auto o = decide(s, kAgent, set_labels{{"billing", "vip"}}, 200);
  ASSERT_TRUE(o.ok());
  ASSERT_EQ(o.events.size(), 1u);
  EXPECT_EQ(wire_seq(o.events[0]), 0u) << "labels carry no wire seq";
  auto after = apply(s, o);
  EXPECT_EQ(after.labels, (std::vector<std::string>{"billing", "vip"}));
  EXPECT_TRUE(decide(after, kAgent, set_labels{{"billing", "vip"}}, 300).events.empty());
  EXPECT_EQ(decide(after, kVisitorP, set_labels{{}}, 300).error.code, errc::forbidden);
}

}  // namespace
}  // namespace sb::conversation

namespace sb::conversation {
namespace {

const principal kExternalBot{{"bot", "bt_1", "Shop bot"}, "ws_1"};

state external_bot_state() {
  open_conversation open{"ws_1", "wk_1", kVisitor, ""};
  open.bot = bot_start{"", 0, "Shop bot", 30000};
  auto o = decide_open({}, "cv_1", open, {"c1", "hello"}, 100);
  EXPECT_TRUE(o.ok());
  return given(o.events);
}

TEST(Conversation, ExternalBotOpen_StartsBotAndKeepsItsHandoffTimeoutThroughTheLog) {
  open_conversation open{"ws_1", "wk_1", kVisitor, ""};
  open.bot = bot_start{"", 0, "Shop bot", 30000};
  auto o = decide_open({}, "cv_1", open, {"c1", "hello"}, 100);
  ASSERT_TRUE(o.ok());
  state decoded;
  for (auto& e : o.events) evolve(decoded, *decode_event(type_name(e), 1, encode_data("cv_1", e)));
  EXPECT_EQ(decoded.status, "bot");
  EXPECT_EQ(decoded.bot_flow_id, "");
  EXPECT_EQ(decoded.bot_handoff_after_ms, 30000);
}

TEST(Conversation, AnExternalBot_PostsAsBotHandsOffAndClosesButDoesNothingStaffOnly) {
  auto s = external_bot_state();
  auto said = decide(s, kExternalBot, post_message{"b1", "Hi, I am a bot"}, 200);
  ASSERT_TRUE(said.ok());
  EXPECT_EQ(std::get<message_posted>(said.events[0]).sender.kind, "bot");
  EXPECT_EQ(apply(s, said).last_bot_seq, std::get<message_posted>(said.events[0]).seq);
  post_message note{"b2", "psst"};
  note.private_note = true;
  EXPECT_EQ(decide(s, kExternalBot, note, 200).error.code, errc::forbidden);
  EXPECT_EQ(decide(s, kExternalBot, accept{}, 200).error.code, errc::forbidden);
  EXPECT_EQ(decide(s, kExternalBot, set_labels{{"x"}}, 200).error.code, errc::forbidden);
  EXPECT_EQ(decide(s, kExternalBot, mark_read{1}, 200).error.code, errc::forbidden);
  auto handoff = decide(s, kExternalBot, escalate{}, 200);
  ASSERT_TRUE(handoff.ok());
  auto& st = std::get<status_changed>(handoff.events[0]);
  EXPECT_EQ(st.status, "waiting");
  EXPECT_EQ(st.via, "handoff");
  EXPECT_TRUE(decide(s, kExternalBot, close{}, 200).ok());
  const principal foreign_bot{{"bot", "bt_9", "Other"}, "ws_2"};
  EXPECT_EQ(decide(s, foreign_bot, post_message{"b3", "hi"}, 200).error.code, errc::not_found);
}

}  // namespace
}  // namespace sb::conversation

namespace sb::conversation {
namespace {

state flow_bot_closed_by(const principal& closer, bool handed_off_first) {
  open_conversation open{"ws_1", "wk_1", kVisitor, ""};
  open.bot = bot_start{"fl_1", 3, "Order bot", 0};
  auto o = decide_open({}, "cv_1", open, {"c1", "hello"}, 100);
  EXPECT_TRUE(o.ok());
  auto s = given(o.events);
  evolve(s, bot_state{"fl_1", 3, "Order bot", R"({"at":"done"})", 150, 0});
  if (handed_off_first) s = apply(s, decide(s, kVisitorP, escalate{}, 200));
  return apply(s, decide(s, closer, close{}, 300));
}

TEST(Conversation, AReopenOfAConversationOnlyTheBotHad_GoesBackToTheBotWhichStartsOver) {
  auto s = flow_bot_closed_by(kVisitorP, false);
  EXPECT_EQ(s.closed_from, "bot");
  post_message m{"c2", "one more question"};
  m.reopen_within_ms = 5000;
  auto o = decide(s, kVisitorP, m, 1000);
  ASSERT_TRUE(o.ok());
  ASSERT_EQ(o.events.size(), 3u);
  auto& st = std::get<status_changed>(o.events[1]);
  EXPECT_EQ(st.status, "bot");
  EXPECT_EQ(st.via, "reopen");
  auto& run = std::get<bot_state>(o.events[2]);
  EXPECT_EQ(run.flow_id, "fl_1");
  EXPECT_EQ(run.version, 3);  // the version it started on
  EXPECT_EQ(run.run, "{}");
  auto after = apply(s, o);
  EXPECT_EQ(after.status, "bot");
  EXPECT_EQ(after.bot_run, "{}");
}

TEST(Conversation, AReopenAfterAPersonHadIt_GoesToTheQueue) {
  auto s = flow_bot_closed_by(kAgent, true);  // handed off (waiting), then closed by staff
  EXPECT_EQ(s.closed_from, "waiting");
  post_message m{"c2", "still there?"};
  m.reopen_within_ms = 5000;
  auto o = decide(s, kVisitorP, m, 1000);
  ASSERT_TRUE(o.ok());
  ASSERT_EQ(o.events.size(), 2u);
  EXPECT_EQ(std::get<status_changed>(o.events[1]).status, "waiting");
}

}  // namespace
}  // namespace sb::conversation

namespace sb::conversation {
namespace {

TEST(Conversation, ABotClosedConversation_KeepsItsTranscriptForTheReopenedBot) {
  auto s = flow_bot_closed_by(kVisitorP, false);
  ASSERT_FALSE(s.transcript.empty());
  EXPECT_EQ(s.transcript.front().text, "hello");
  auto human = flow_bot_closed_by(kAgent, true);
  EXPECT_TRUE(human.transcript.empty());
  // The message that reopens it joins the transcript the bot answers.
  post_message m{"c2", "and the price?"};
  m.reopen_within_ms = 5000;
  auto back = apply(s, decide(s, kVisitorP, m, 1000));
  EXPECT_EQ(back.status, "bot");
  ASSERT_FALSE(back.transcript.empty());
  EXPECT_EQ(back.transcript.back().text, "and the price?");
  EXPECT_EQ(back.transcript.front().text, "hello");
}

}  // namespace
}  // namespace sb::conversation
