// Bad input on the sockets: malformed frames get an error and change nothing; frames that break
// the WebSocket rules close the connection with the right code; bad credentials are refused.

#include "tests/integration/support/server_fixture.hpp"

namespace switchboard::integration {
namespace {

class WsErrors : public server_fixture {
 protected:
  // The socket still answers a ping after an error.
  ::testing::AssertionResult still_usable(chat_peer& peer, const std::string& ping_id) {
    if (!peer.send({{"type", "ping"}, {"id", ping_id}})) {
      return ::testing::AssertionFailure() << "cannot send ping: " << peer.ws().last_error();
    }
    auto pong = peer.next(
        [&](const json& f) { return str_of(f, "type") == "pong" && str_of(f, "id") == ping_id; });
    if (!pong) return ::testing::AssertionFailure() << "no pong\n" << peer.describe();
    return ::testing::AssertionSuccess();
  }

  // Sends a frame of about text_bytes `runs` times on fresh sockets: how often it got 1009.
  int closes_with_1009(std::size_t text_bytes, int runs, std::string& last) {
    const std::string huge =
        R"({"type":"message","client_msg_id":"huge","text":")" + std::string(text_bytes, 'z') + R"("})";
    int seen = 0;
    for (int i = 0; i < runs; ++i) {
      auto visitor = connect_visitor({{"type", "hello"}}, "v" + std::to_string(i));
      if (!visitor) return seen;
      visitor->ws().send_text(huge);  // may fail half-way once the server closes
      auto code = close_code_after(*visitor);
      if (code && *code == 1009) ++seen;
      else last = visitor->describe();
    }
    return seen;
  }

  // Waits for the server to close the socket; the close code, or nullopt after ADD_FAILURE.
  std::optional<int> close_code_after(chat_peer& peer) {
    if (!peer.ws().wait_closed()) {
      ADD_FAILURE() << "the server did not close the connection\n" << peer.describe();
      return std::nullopt;
    }
    if (!peer.ws().close_code()) {
      ADD_FAILURE() << "the connection ended without a close frame: " << peer.ws().last_error();
      return std::nullopt;
    }
    return peer.ws().close_code();
  }
};

TEST_F(WsErrors, NonJsonText_GetsBadRequestAndTheSocketStaysUsable) {
  auto visitor = connect_visitor();
  ASSERT_TRUE(visitor);
  ASSERT_TRUE(visitor->ws().send_text("this is {not json"));
  auto error = visitor->next_of_type("error");
  ASSERT_TRUE(error) << visitor->describe();
  EXPECT_EQ(str_of(*error, "code"), "bad_request") << error->dump();
  EXPECT_TRUE(still_usable(*visitor, "after-garbage"));

  // JSON that is not an object is malformed too.
  ASSERT_TRUE(visitor->ws().send_text("[1,2,3]"));
  error = visitor->next_of_type("error");
  ASSERT_TRUE(error) << visitor->describe();
  EXPECT_EQ(str_of(*error, "code"), "bad_request") << error->dump();
  EXPECT_TRUE(still_usable(*visitor, "after-array"));

  // Same on the agent socket, after hello.
  const std::string token = create_agent("agent-garbage@switchboard.test");
  ASSERT_FALSE(token.empty());
  auto agent = connect_agent(token);
  ASSERT_TRUE(agent);
  ASSERT_TRUE(agent->ws().send_text("}{"));
  error = agent->next_of_type("error");
  ASSERT_TRUE(error) << agent->describe();
  EXPECT_EQ(str_of(*error, "code"), "bad_request") << error->dump();
  EXPECT_TRUE(still_usable(*agent, "agent-after-garbage"));
}

TEST_F(WsErrors, UnknownType_GetsAnErrorAndTheSocketStaysUsable) {
  auto visitor = connect_visitor();
  ASSERT_TRUE(visitor);
  ASSERT_TRUE(visitor->send({{"type", "teleport"}, {"id", "t1"}}));
  auto error = visitor->next_of_type("error");
  ASSERT_TRUE(error) << visitor->describe();
  EXPECT_EQ(str_of(*error, "code"), "bad_request") << error->dump();
  EXPECT_TRUE(still_usable(*visitor, "after-unknown"));
}

TEST_F(WsErrors, MessageWithNonStringText_GetsAnErrorAndStoresNothing) {
  auto visitor = connect_visitor();
  ASSERT_TRUE(visitor);
  ASSERT_TRUE(visitor->send({{"type", "message"}, {"client_msg_id", "bad1"}, {"text", 42}}));
  auto error = visitor->next_of_type("error");
  ASSERT_TRUE(error) << visitor->describe();
  EXPECT_EQ(str_of(*error, "code"), "bad_request") << error->dump();
  EXPECT_EQ(str_of(*error, "ref"), "bad1") << "ref echoes the client_msg_id: " << error->dump();
  EXPECT_EQ(visitor->arrival_index(is_type("ack")), -1) << visitor->describe();

  // Nothing was stored: the first valid message still opens the conversation at seq 1.
  auto ack = send_message(*visitor, "v1", "a real message");
  ASSERT_TRUE(ack);
  ASSERT_EQ(str_of(*ack, "type"), "ack") << ack->dump();
  EXPECT_EQ(seq_of(*ack), 1) << ack->dump();
}

TEST_F(WsErrors, TextOver4000Characters_GetsAnErrorAndStoresNothing) {
  auto visitor = connect_visitor();
  ASSERT_TRUE(visitor);
  auto reply = send_message(*visitor, "long1", std::string(4001, 'x'));
  ASSERT_TRUE(reply);
  ASSERT_EQ(str_of(*reply, "type"), "error") << reply->dump();
  const std::string code = str_of(*reply, "code");
  EXPECT_TRUE(code == "bad_request" || code == "too_large") << reply->dump();
  EXPECT_TRUE(still_usable(*visitor, "after-long"));

  // Exactly 4000 characters is allowed, and it is the first stored message.
  auto ack = send_message(*visitor, "max1", std::string(4000, 'y'));
  ASSERT_TRUE(ack);
  ASSERT_EQ(str_of(*ack, "type"), "ack") << ack->dump();
  EXPECT_EQ(seq_of(*ack), 1) << ack->dump();
}

TEST_F(WsErrors, TextOf4000NonAsciiCharacters_IsAccepted) {
  // The limit counts characters, not bytes: 4000 x "\u00e9" is 8000 UTF-8 bytes and fits.
  auto visitor = connect_visitor();
  ASSERT_TRUE(visitor);
  std::string accents;
  for (int i = 0; i < 4000; ++i) accents += "\xC3\xA9";
  auto ack = send_message(*visitor, "max2", accents);
  ASSERT_TRUE(ack);
  EXPECT_EQ(str_of(*ack, "type"), "ack") << ack->dump();
}

TEST_F(WsErrors, FrameOver64KiB_ClosesWith1009) {
  auto visitor = connect_visitor();
  ASSERT_TRUE(visitor);
  const json big = {
      {"type", "message"}, {"client_msg_id", "huge"}, {"text", std::string(70000, 'z')}};
  visitor->send(big);  // may fail half-way if the server closes first; the close code matters
  auto code = close_code_after(*visitor);
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 1009) << visitor->describe();
}

// The close frame must reach the peer even while it is still sending the rest of a huge
// frame (a reset would lose it: the peer would see 1006). 8 MiB failed 1 run in 50 before the
// server drained the peer after its close; the issue's 1 MiB did not fail on this machine.
TEST_F(WsErrors, OneMegabyteFrame_ClosesWith1009EveryTime) {
  std::string last;
  EXPECT_EQ(closes_with_1009(1 << 20, 50, last), 50) << last;
}

TEST_F(WsErrors, EightMegabyteFrame_ClosesWith1009EveryTime) {
  std::string last;
  EXPECT_EQ(closes_with_1009(8 << 20, 50, last), 50) << last;
}

TEST_F(WsErrors, InvalidUtf8TextFrame_ClosesWith1007) {
  auto visitor = connect_visitor();
  ASSERT_TRUE(visitor);
  visitor->ws().send_text(
      "{\"type\":\"message\",\"client_msg_id\":\"u1\",\"text\":\"\xC3\x28\xFF\"}");
  auto code = close_code_after(*visitor);
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 1007) << visitor->describe();
}

TEST_F(WsErrors, BinaryFrame_ClosesWith1003) {
  auto visitor = connect_visitor();
  ASSERT_TRUE(visitor);
  visitor->ws().send_binary(json({{"type", "ping"}, {"id", "b1"}}).dump());
  auto code = close_code_after(*visitor);
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 1003) << visitor->describe();
}

TEST_F(WsErrors, AgentHelloWithABadToken_IsRefused) {
  auto ws = std::make_unique<ws_client>();
  ASSERT_TRUE(ws->connect(server_->port(), "/ws/agent")) << ws->last_error();
  chat_peer agent("agent (bad token)", std::move(ws));
  ASSERT_TRUE(agent.send({{"type", "hello"}, {"token", "definitely-not-a-token"}}));

  // Either an unauthorized error frame or close 4401; never a welcome.
  auto answer = agent.next([](const json& f) {
    const std::string type = str_of(f, "type");
    return type == "error" || type == "welcome";
  });
  if (answer) {
    EXPECT_EQ(str_of(*answer, "type"), "error") << agent.describe();
    EXPECT_EQ(str_of(*answer, "code"), "unauthorized") << answer->dump();
  } else {
    ASSERT_FALSE(agent.ws().is_open()) << "neither an error nor a close\n" << agent.describe();
    ASSERT_TRUE(agent.ws().close_code()) << agent.describe();
    EXPECT_EQ(*agent.ws().close_code(), 4401) << agent.describe();
  }
  // Whatever the answer, the socket grants nothing afterwards.
  agent.send({{"type", "subscribe"}, {"conversation_id", "anything"}, {"after_seq", 0}});
  agent.settle();
  EXPECT_EQ(agent.arrival_index(is_type("welcome")), -1) << agent.describe();
  EXPECT_EQ(agent.arrival_index(is_type("message")), -1) << agent.describe();
}

TEST_F(WsErrors, VisitorSocketWithAnUnknownSiteKey_IsRefused) {
  auto ws = std::make_unique<ws_client>();
  if (!ws->connect(server_->port(), visitor_path("no-such-site-key"))) {
    EXPECT_EQ(ws->handshake_status(), 404) << ws->last_error();
    return;
  }
  // Accepted the upgrade: then it must refuse the hello (close or error), never welcome.
  chat_peer visitor("visitor (unknown site)", std::move(ws));
  visitor.send({{"type", "hello"}});
  auto answer = visitor.next([](const json& f) {
    const std::string type = str_of(f, "type");
    return type == "error" || type == "welcome";
  });
  if (answer) {
    EXPECT_EQ(str_of(*answer, "type"), "error") << visitor.describe();
    EXPECT_EQ(str_of(*answer, "code"), "not_found") << answer->dump();
  } else {
    EXPECT_FALSE(visitor.ws().is_open()) << "neither refused nor closed\n" << visitor.describe();
  }
}

}  // namespace
}  // namespace switchboard::integration
