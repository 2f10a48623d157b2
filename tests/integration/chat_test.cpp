// Live chat over the visitor and agent sockets: delivery order, resume, idempotency.

#include "tests/integration/support/server_fixture.hpp"

namespace switchboard::integration {
namespace {

class Chat : public server_fixture {};
class Resume : public server_fixture {};
class Idempotency : public server_fixture {};

TEST_F(Chat, VisitorToAgentToVisitor_RoundTrips) {
  auto visitor = connect_visitor();
  ASSERT_TRUE(visitor);
  EXPECT_FALSE(str_of(visitor->welcome(), "visitor_token").empty()) << visitor->welcome().dump();
  EXPECT_TRUE(visitor->welcome().value("conversation", json(1)).is_null())
      << "a new visitor has no conversation: " << visitor->welcome().dump();

  // The visitor's first message opens the conversation: ack, then its own message (seq 1),
  // then status waiting (seq 2).
  auto ack = send_message(*visitor, "v1", "Hello, is anyone there?");
  ASSERT_TRUE(ack);
  ASSERT_EQ(str_of(*ack, "type"), "ack") << ack->dump();
  EXPECT_EQ(seq_of(*ack), 1) << ack->dump();
  EXPECT_TRUE(ack->contains("ts")) << ack->dump();
  const std::string conv = str_of(*ack, "conversation_id");
  ASSERT_FALSE(conv.empty()) << ack->dump();

  auto own = visitor->next(is_message(conv, "v1"));
  ASSERT_TRUE(own) << visitor->describe();
  EXPECT_EQ(seq_of(*own), 1);
  EXPECT_EQ(str_of(*own, "text"), "Hello, is anyone there?");
  EXPECT_EQ(str_of(own->value("sender", json::object()), "kind"), "visitor") << own->dump();
  EXPECT_LT(visitor->arrival_index(is_reply_to("v1")),
            visitor->arrival_index(is_message(conv, "v1")))
      << "the ack must come before the author's own message frame\n"
      << visitor->describe();
  auto waiting = visitor->next(is_event(conv, 2));
  ASSERT_TRUE(waiting) << visitor->describe();
  EXPECT_EQ(str_of(*waiting, "type"), "status") << waiting->dump();
  EXPECT_EQ(str_of(*waiting, "status"), "waiting") << waiting->dump();

  // An agent subscribes from the start and sees both events.
  const std::string agent_token = create_agent("agent1@switchboard.test");
  ASSERT_FALSE(agent_token.empty());
  auto agent = connect_agent(agent_token);
  ASSERT_TRUE(agent);
  ASSERT_TRUE(agent->send({{"type", "subscribe"}, {"conversation_id", conv}, {"after_seq", 0}}));
  auto seen = agent->next(is_message(conv, "v1"));
  ASSERT_TRUE(seen) << agent->describe();
  EXPECT_EQ(seq_of(*seen), 1);
  EXPECT_EQ(str_of(*seen, "text"), "Hello, is anyone there?");
  ASSERT_TRUE(agent->saw(is_event(conv, 2))) << agent->describe();

  // The agent takes the conversation and answers.
  ASSERT_TRUE(agent->send({{"type", "accept"}, {"conversation_id", conv}}));
  auto active = agent->next(is_event(conv, 3));
  ASSERT_TRUE(active) << agent->describe();
  EXPECT_EQ(str_of(*active, "type"), "status") << active->dump();
  EXPECT_EQ(str_of(*active, "status"), "active") << active->dump();

  auto agent_ack = send_message(*agent, "a1", "Hi! How can I help?", conv);
  ASSERT_TRUE(agent_ack);
  ASSERT_EQ(str_of(*agent_ack, "type"), "ack") << agent_ack->dump();
  EXPECT_EQ(seq_of(*agent_ack), 4) << agent_ack->dump();
  ASSERT_TRUE(agent->next(is_message(conv, "a1"))) << agent->describe();

  auto reply = visitor->next(is_message(conv, "a1"));
  ASSERT_TRUE(reply) << visitor->describe();
  EXPECT_EQ(seq_of(*reply), 4);
  EXPECT_EQ(str_of(*reply, "text"), "Hi! How can I help?");
  EXPECT_EQ(str_of(reply->value("sender", json::object()), "kind"), "agent") << reply->dump();

  // And back to the agent.
  auto ack2 = send_message(*visitor, "v2", "My order never arrived.");
  ASSERT_TRUE(ack2);
  ASSERT_EQ(str_of(*ack2, "type"), "ack") << ack2->dump();
  EXPECT_EQ(seq_of(*ack2), 5) << ack2->dump();
  EXPECT_EQ(str_of(*ack2, "conversation_id"), conv);
  auto to_agent = agent->next(is_message(conv, "v2"));
  ASSERT_TRUE(to_agent) << agent->describe();
  EXPECT_EQ(seq_of(*to_agent), 5);
  ASSERT_TRUE(visitor->next(is_message(conv, "v2"))) << visitor->describe();

  // Every watcher saw each seq exactly once, in order.
  EXPECT_TRUE(seqs_are_consecutive(visitor->event_seqs(conv), 1)) << visitor->describe();
  EXPECT_TRUE(seqs_are_consecutive(agent->event_seqs(conv), 1)) << agent->describe();
  EXPECT_EQ(visitor->last_event_seq(conv), 5);
  EXPECT_EQ(agent->last_event_seq(conv), 5);
}

TEST_F(Chat, Ping_AnswersPongWithTheSameId) {
  auto visitor = connect_visitor();
  ASSERT_TRUE(visitor);
  ASSERT_TRUE(visitor->send({{"type", "ping"}, {"id", "p-1"}}));
  auto pong = visitor->next_of_type("pong");
  ASSERT_TRUE(pong) << visitor->describe();
  EXPECT_EQ(str_of(*pong, "id"), "p-1");

  const std::string token = create_agent("agent-ping@switchboard.test");
  ASSERT_FALSE(token.empty());
  auto agent = connect_agent(token);
  ASSERT_TRUE(agent);
  ASSERT_TRUE(agent->send({{"type", "ping"}, {"id", "p-2"}}));
  pong = agent->next_of_type("pong");
  ASSERT_TRUE(pong) << agent->describe();
  EXPECT_EQ(str_of(*pong, "id"), "p-2");
}

TEST_F(Resume, VisitorReconnectingWithAfterSeq_GetsExactlyTheMissedFramesThenLiveOnes) {
  auto visitor = connect_visitor();
  ASSERT_TRUE(visitor);
  const std::string visitor_id = str_of(visitor->welcome(), "visitor_id");
  const std::string visitor_token = str_of(visitor->welcome(), "visitor_token");
  ASSERT_FALSE(visitor_token.empty()) << visitor->welcome().dump();
  const std::string conv = open_conversation(*visitor);
  ASSERT_FALSE(conv.empty());

  const std::string agent_token = create_agent("agent-resume@switchboard.test");
  ASSERT_FALSE(agent_token.empty());
  auto agent = connect_agent(agent_token);
  ASSERT_TRUE(agent);
  ASSERT_TRUE(agent->send({{"type", "subscribe"}, {"conversation_id", conv}, {"after_seq", 0}}));
  ASSERT_TRUE(agent->send({{"type", "accept"}, {"conversation_id", conv}}));
  ASSERT_TRUE(agent->saw(is_event(conv, 3))) << agent->describe();
  ASSERT_TRUE(visitor->saw(is_event(conv, 3))) << visitor->describe();
  ASSERT_TRUE(seqs_are_consecutive(visitor->event_seqs(conv), 1)) << visitor->describe();
  const int64_t last_seen = visitor->last_event_seq(conv);

  visitor->ws().close();
  visitor.reset();

  std::vector<int64_t> missed;
  for (const std::string id : {"a1", "a2", "a3"}) {
    auto ack = send_message(*agent, id, "While you were away: " + id, conv);
    ASSERT_TRUE(ack);
    ASSERT_EQ(str_of(*ack, "type"), "ack") << ack->dump();
    missed.push_back(seq_of(*ack));
  }
  EXPECT_TRUE(missed[0] < missed[1] && missed[1] < missed[2]) << seqs_to_string(missed);

  auto back = connect_visitor({{"type", "hello"},
                               {"visitor_token", visitor_token},
                               {"resume", {{"conversation_id", conv}, {"after_seq", last_seen}}}},
                              "visitor (resumed)");
  ASSERT_TRUE(back);
  EXPECT_EQ(str_of(back->welcome(), "visitor_id"), visitor_id) << back->welcome().dump();
  const json& welcome_conv = back->welcome().value("conversation", json());
  ASSERT_TRUE(welcome_conv.is_object()) << back->welcome().dump();
  EXPECT_EQ(str_of(welcome_conv, "id"), conv) << back->welcome().dump();

  // The three missed messages, in order...
  for (size_t i = 0; i < 3; ++i) {
    const std::string id = "a" + std::to_string(i + 1);
    auto f = back->next(is_message(conv, id));
    ASSERT_TRUE(f) << back->describe();
    EXPECT_EQ(seq_of(*f), missed[i]);
    EXPECT_EQ(str_of(*f, "text"), "While you were away: " + id);
  }
  // ...then live ones.
  auto live = send_message(*agent, "a4", "Still there?", conv);
  ASSERT_TRUE(live);
  ASSERT_TRUE(back->next(is_message(conv, "a4"))) << back->describe();
  back->settle();

  // Nothing before after_seq, nothing twice, nothing missing.
  const auto seqs = back->event_seqs(conv);
  EXPECT_TRUE(seqs_are_consecutive(seqs, last_seen + 1)) << back->describe();
  EXPECT_EQ(back->last_event_seq(conv), seq_of(*live)) << back->describe();
  for (const std::string id : {"a1", "a2", "a3", "a4"}) {
    EXPECT_EQ(count_messages(back->events(conv), id), 1u) << id << "\n" << back->describe();
  }
}

TEST_F(Resume, AgentSubscribingWithAfterSeq_GetsExactlyTheMissedFramesThenLiveOnes) {
  auto visitor = connect_visitor();
  ASSERT_TRUE(visitor);
  const std::string conv = open_conversation(*visitor);
  ASSERT_FALSE(conv.empty());
  ASSERT_TRUE(visitor->saw(is_event(conv, 2))) << visitor->describe();

  const std::string agent_token = create_agent("agent-resume2@switchboard.test");
  ASSERT_FALSE(agent_token.empty());
  auto agent = connect_agent(agent_token);
  ASSERT_TRUE(agent);
  ASSERT_TRUE(agent->send({{"type", "subscribe"}, {"conversation_id", conv}, {"after_seq", 0}}));
  ASSERT_TRUE(agent->saw(is_event(conv, 2))) << agent->describe();
  ASSERT_TRUE(seqs_are_consecutive(agent->event_seqs(conv), 1)) << agent->describe();
  const int64_t last_seen = agent->last_event_seq(conv);
  agent->ws().close();
  agent.reset();

  std::vector<int64_t> missed;
  for (const std::string id : {"v2", "v3", "v4"}) {
    auto ack = send_message(*visitor, id, "Anyone? " + id);
    ASSERT_TRUE(ack);
    ASSERT_EQ(str_of(*ack, "type"), "ack") << ack->dump();
    missed.push_back(seq_of(*ack));
  }

  auto back = connect_agent(agent_token, "agent (resubscribed)");
  ASSERT_TRUE(back);
  ASSERT_TRUE(
      back->send({{"type", "subscribe"}, {"conversation_id", conv}, {"after_seq", last_seen}}));
  for (size_t i = 0; i < 3; ++i) {
    const std::string id = "v" + std::to_string(i + 2);
    auto f = back->next(is_message(conv, id));
    ASSERT_TRUE(f) << back->describe();
    EXPECT_EQ(seq_of(*f), missed[i]);
    EXPECT_EQ(str_of(*f, "text"), "Anyone? " + id);
  }
  auto live = send_message(*visitor, "v5", "Hello??");
  ASSERT_TRUE(live);
  ASSERT_TRUE(back->next(is_message(conv, "v5"))) << back->describe();
  back->settle();

  EXPECT_TRUE(seqs_are_consecutive(back->event_seqs(conv), last_seen + 1)) << back->describe();
  EXPECT_EQ(back->last_event_seq(conv), seq_of(*live)) << back->describe();
  for (const std::string id : {"v2", "v3", "v4", "v5"}) {
    EXPECT_EQ(count_messages(back->events(conv), id), 1u) << id << "\n" << back->describe();
  }
}

TEST_F(Idempotency, ResentClientMsgId_ReturnsTheSameAckAndIsDeliveredOnce) {
  auto visitor = connect_visitor();
  ASSERT_TRUE(visitor);
  auto first = send_message(*visitor, "v1", "Hello once");
  ASSERT_TRUE(first);
  ASSERT_EQ(str_of(*first, "type"), "ack") << first->dump();
  const std::string conv = str_of(*first, "conversation_id");
  ASSERT_TRUE(visitor->saw(is_event(conv, 2))) << visitor->describe();

  const std::string agent_token = create_agent("agent-idem@switchboard.test");
  ASSERT_FALSE(agent_token.empty());
  auto agent = connect_agent(agent_token);
  ASSERT_TRUE(agent);
  ASSERT_TRUE(agent->send({{"type", "subscribe"}, {"conversation_id", conv}, {"after_seq", 0}}));
  ASSERT_TRUE(agent->saw(is_message(conv, "v1"))) << agent->describe();

  auto again = send_message(*visitor, "v1", "Hello once");
  ASSERT_TRUE(again);
  ASSERT_EQ(str_of(*again, "type"), "ack") << again->dump();
  EXPECT_EQ(seq_of(*again), seq_of(*first))
      << "first " << first->dump() << " again " << again->dump();
  EXPECT_EQ(str_of(*again, "conversation_id"), conv);
  EXPECT_EQ(again->value("ts", json()), first->value("ts", json()));

  // A later message is the sync point: once it arrived, any duplicate would have too.
  auto marker = send_message(*visitor, "v2", "Second message");
  ASSERT_TRUE(marker);
  ASSERT_EQ(str_of(*marker, "type"), "ack") << marker->dump();
  ASSERT_TRUE(agent->saw(is_message(conv, "v2"))) << agent->describe();
  ASSERT_TRUE(visitor->saw(is_message(conv, "v2"))) << visitor->describe();

  EXPECT_EQ(count_messages(agent->received(), "v1"), 1u) << agent->describe();
  EXPECT_EQ(count_messages(visitor->received(), "v1"), 1u) << visitor->describe();
  EXPECT_TRUE(seqs_are_consecutive(agent->event_seqs(conv), 1)) << agent->describe();
  EXPECT_TRUE(seqs_are_consecutive(visitor->event_seqs(conv), 1)) << visitor->describe();
  EXPECT_EQ(seq_of(*marker), visitor->last_event_seq(conv)) << "the resend must not take a seq\n"
                                                            << visitor->describe();
}

TEST_F(Idempotency, ResentBeforeTheFirstAck_BothAnswerTheSameSeqAndItIsStoredOnce) {
  auto visitor = connect_visitor();
  ASSERT_TRUE(visitor);
  auto opened = send_message(*visitor, "open", "Open the conversation");
  ASSERT_TRUE(opened);
  ASSERT_EQ(str_of(*opened, "type"), "ack") << opened->dump();
  const std::string conv = str_of(*opened, "conversation_id");

  // Back to back: the resend reaches the conversation while the original is still being
  // written, and must wait for it instead of storing a second copy.
  json frame = {{"type", "message"}, {"client_msg_id", "twice"}, {"text", "Sent twice"}};
  ASSERT_TRUE(visitor->send(frame));
  ASSERT_TRUE(visitor->send(frame));
  auto first = visitor->next(is_reply_to("twice"));
  auto second = visitor->next(is_reply_to("twice"));
  ASSERT_TRUE(first && second) << visitor->describe();
  ASSERT_EQ(str_of(*first, "type"), "ack") << first->dump();
  ASSERT_EQ(str_of(*second, "type"), "ack") << second->dump();
  EXPECT_EQ(seq_of(*first), seq_of(*second));
  EXPECT_EQ(first->value("ts", json()), second->value("ts", json()));

  auto marker = send_message(*visitor, "after", "After the resend");
  ASSERT_TRUE(marker);
  ASSERT_EQ(str_of(*marker, "type"), "ack") << marker->dump();
  ASSERT_TRUE(visitor->saw(is_message(conv, "after"))) << visitor->describe();
  EXPECT_EQ(count_messages(visitor->received(), "twice"), 1u) << visitor->describe();
  EXPECT_EQ(seq_of(*marker), seq_of(*first) + 1) << "the resend must not take a seq";
  EXPECT_TRUE(seqs_are_consecutive(visitor->event_seqs(conv), 1)) << visitor->describe();
}

TEST_F(Idempotency, ResendAfterReconnect_ReturnsTheSameAckAndStoresNothing) {
  auto visitor = connect_visitor();
  ASSERT_TRUE(visitor);
  const std::string token = str_of(visitor->welcome(), "visitor_token");
  auto first = send_message(*visitor, "v1", "Did this arrive?");
  ASSERT_TRUE(first);
  ASSERT_EQ(str_of(*first, "type"), "ack") << first->dump();
  const std::string conv = str_of(*first, "conversation_id");
  visitor->ws().abort();  // as if the network dropped right after the ack
  visitor.reset();

  auto back = connect_visitor({{"type", "hello"}, {"visitor_token", token}}, "visitor (back)");
  ASSERT_TRUE(back);
  auto again = send_message(*back, "v1", "Did this arrive?");
  ASSERT_TRUE(again);
  ASSERT_EQ(str_of(*again, "type"), "ack") << again->dump();
  EXPECT_EQ(seq_of(*again), seq_of(*first)) << first->dump() << " vs " << again->dump();
  EXPECT_EQ(str_of(*again, "conversation_id"), conv);

  auto marker = send_message(*back, "v2", "Hello?");
  ASSERT_TRUE(marker);
  ASSERT_EQ(str_of(*marker, "type"), "ack") << marker->dump();

  // A third socket replays the whole conversation: v1 is in it once, seqs have no hole.
  auto replay = connect_visitor({{"type", "hello"},
                                 {"visitor_token", token},
                                 {"resume", {{"conversation_id", conv}, {"after_seq", 0}}}},
                                "visitor (replay)");
  ASSERT_TRUE(replay);
  ASSERT_TRUE(replay->saw(is_message(conv, "v2"))) << replay->describe();
  EXPECT_EQ(count_messages(replay->received(), "v1"), 1u) << replay->describe();
  EXPECT_TRUE(seqs_are_consecutive(replay->event_seqs(conv), 1)) << replay->describe();
  EXPECT_EQ(replay->last_event_seq(conv), seq_of(*marker)) << replay->describe();
}

TEST_F(Idempotency, SamePostTwiceOverHttp_ReturnsTheSameSeqAndStoresOnce) {
  auto visitor = connect_visitor();
  ASSERT_TRUE(visitor);
  const std::string conv = open_conversation(*visitor);
  ASSERT_FALSE(conv.empty());
  ASSERT_TRUE(accept_as_admin(conv));

  const json body = {{"client_msg_id", "h1"}, {"text", "Posted over HTTP"}};
  auto first = http().post(api("/conversations/" + conv + "/messages"), body, admin_token_);
  ASSERT_EQ(first.status, 201) << first.describe();
  auto second = http().post(api("/conversations/" + conv + "/messages"), body, admin_token_);
  ASSERT_TRUE(second.status == 201 || second.status == 200) << second.describe();
  EXPECT_EQ(second.body.value("seq", json()), first.body.value("seq", json()))
      << first.describe() << " vs " << second.describe();
  EXPECT_EQ(second.body.value("ts", json()), first.body.value("ts", json()));
  EXPECT_EQ(second.body.value("client_msg_id", json()), json("h1"));
  EXPECT_EQ(str_of(second.body, "conversation_id"), conv);

  auto history = full_history(conv, first.body.value("position", int64_t{0}));
  ASSERT_TRUE(history);
  EXPECT_EQ(count_messages(*history, "h1"), 1u) << json(*history).dump();
  EXPECT_EQ(seq_of(history->back()), seq_of(first.body)) << json(*history).dump();

  // The visitor saw it once as well (the next message is the sync point).
  auto marker = http().post(api("/conversations/" + conv + "/messages"),
                            {{"client_msg_id", "h2"}, {"text", "marker"}}, admin_token_);
  ASSERT_EQ(marker.status, 201) << marker.describe();
  ASSERT_TRUE(visitor->saw(is_message(conv, "h2"))) << visitor->describe();
  EXPECT_EQ(count_messages(visitor->received(), "h1"), 1u) << visitor->describe();
  EXPECT_TRUE(seqs_are_consecutive(visitor->event_seqs(conv), 1)) << visitor->describe();
}

}  // namespace
}  // namespace switchboard::integration
