// AI replies over real sockets against a local fake of an OpenAI-compatible endpoint: the
// reply streams to the visitor as partial frames then one bot message, the model sees the
// system prompt and the conversation so far, its handoff tool and its failures hand the
// conversation to a person, and the API key is never shown again.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "tests/integration/support/fake_http_server.hpp"
#include "tests/integration/support/server_fixture.hpp"

namespace switchboard::integration {
namespace {
using namespace std::chrono_literals;

std::string sse(const std::vector<std::string>& pieces) {
  std::string out;
  for (auto& p : pieces) out += "data: " + json{{"choices", {{{"index", 0}, {"delta", {{"content", p}}}}}}}.dump() + "\n\n";
  return out + "data: [DONE]\n\n";
}

class Ai : public server_fixture {
 protected:
  Ai() { extra_server_args_ = {"--allow-private-egress"}; }
  void configure(const fake_http_server& llm) {
    auto r = http().request("PUT", api("/ai"),
                            json{{"base_url", llm.url("/v1")}, {"model", "test-model"},
                                 {"system_prompt", "You sell teapots."}, {"api_key", "sk-test-0123456789"}},
                            admin_token_);
    ASSERT_EQ(r.status, 200) << r.describe();
    auto w = http().request("PATCH", api("/widgets/" + site_key_), json{{"ai_bot", {{"name", "Ava"}}}}, admin_token_);
    ASSERT_EQ(w.status, 200) << w.describe();
  }
  static std::optional<json> bot_message(chat_peer& v) {
    return v.next([](const json& f) { return f.value("type", "") == "message" && f["sender"]["kind"] == "bot"; });
  }
  static std::optional<json> status(chat_peer& v, const std::string& s) {
    return v.next([&](const json& f) { return f.value("type", "") == "status" && f["status"] == s; });
  }
};

TEST_F(Ai, AReply_StreamsAsPartialFramesThenOneBotMessageAndSeesTheConversation) {
  fake_http_server llm([](const fake_request& q) {
    auto body = json::parse(q.body, nullptr, false);
    bool second = body.is_object() && body["messages"].size() > 2;
    return fake_response{200, sse(second ? std::vector<std::string>{"They cost ", "20 EUR."}
                                         : std::vector<std::string>{"Hello! ", "How can I help?"}),
                         "text/event-stream"};
  });
  configure(llm);
  auto v = connect_visitor();
  ASSERT_TRUE(v);
  auto cid = open_conversation(*v, "v1", "hi there");
  ASSERT_FALSE(cid.empty());
  ASSERT_TRUE(status(*v, "bot")) << v->describe();
  auto partial = v->next([](const json& f) { return f.value("type", "") == "partial"; });
  ASSERT_TRUE(partial) << v->describe();
  EXPECT_EQ((*partial)["sender"]["name"], "Ava");
  EXPECT_EQ((*partial)["text"].get<std::string>().rfind("Hello!", 0), 0u);
  auto reply = bot_message(*v);
  ASSERT_TRUE(reply) << v->describe();
  EXPECT_EQ((*reply)["text"], "Hello! How can I help?");
  EXPECT_EQ((*reply)["sender"]["name"], "Ava");

  ASSERT_TRUE(send_message(*v, "v2", "how much is a teapot?", cid));
  auto second = bot_message(*v);
  ASSERT_TRUE(second) << v->describe();
  EXPECT_EQ((*second)["text"], "They cost 20 EUR.");

  auto reqs = llm.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].target, "/v1/chat/completions");
  EXPECT_EQ(reqs[0].header("authorization"), "Bearer sk-test-0123456789");
  auto body = json::parse(reqs[1].body);
  EXPECT_EQ(body["model"], "test-model");
  EXPECT_EQ(body["stream"], true);
  EXPECT_NE(body["messages"][0]["content"].get<std::string>().find("You sell teapots."), std::string::npos);
  ASSERT_EQ(body["messages"].size(), 4u) << body.dump();
  EXPECT_EQ(body["messages"][1]["content"], "hi there");
  EXPECT_EQ(body["messages"][2]["role"], "assistant");
  EXPECT_EQ(body["messages"][3]["content"], "how much is a teapot?");
  EXPECT_EQ(body["tools"][0]["function"]["name"], "handoff_to_human");
  // The history holds the bot's messages (not the partial frames); the read model may lag.
  auto history = history_when(cid, [](const std::vector<json>& h) { return h.size() >= 4; });
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 4u);
  EXPECT_EQ((*history)[3]["text"], "They cost 20 EUR.");
}

TEST_F(Ai, TheHandoffToolOrAFailingEndpoint_HandsTheConversationToAPerson) {
  std::atomic<bool> fail{false};
  fake_http_server llm([&](const fake_request&) {
    if (fail) return fake_response{500, R"({"error": "overloaded"})"};
    std::string call = "data: " + json{{"choices", {{{"delta", {{"tool_calls", {{{"index", 0}, {"type", "function"},
                                          {"function", {{"name", "handoff_to_human"}, {"arguments", "{}"}}}}}}}}}}}}.dump() + "\n\n";
    return fake_response{200, call + "data: [DONE]\n\n", "text/event-stream"};
  });
  configure(llm);
  auto v = connect_visitor();
  ASSERT_TRUE(v);
  ASSERT_FALSE(open_conversation(*v, "v1", "I want a refund").empty());
  auto waiting = status(*v, "waiting");
  ASSERT_TRUE(waiting) << v->describe();
  EXPECT_EQ((*waiting)["via"], "handoff");

  fail = true;
  auto v2 = connect_visitor({{"type", "hello"}}, "visitor2");
  ASSERT_TRUE(v2);
  ASSERT_FALSE(open_conversation(*v2, "w1", "hello?").empty());
  auto w2 = status(*v2, "waiting");
  ASSERT_TRUE(w2) << v2->describe();
  EXPECT_EQ((*w2)["via"], "handoff");
  EXPECT_EQ(http().get(api("/queue"), admin_token_).body["items"].size(), 2u);
}

TEST_F(Ai, AReplyCutOffByASigkill_IsAskedForAgainAfterTheRestart) {
  std::atomic<int> calls{0};
  fake_http_server llm([&](const fake_request&) {
    if (++calls == 1)  // still being written when the server is killed
      return fake_response{200, sse({"lost"}), "text/event-stream", 4s};
    return fake_response{200, sse({"Sorry for the wait: ", "yes, we ship to Oslo."}), "text/event-stream"};
  });
  configure(llm);
  auto v = connect_visitor();
  ASSERT_TRUE(v);
  auto cid = open_conversation(*v, "v1", "do you ship to Oslo?");
  ASSERT_FALSE(cid.empty());
  ASSERT_TRUE(llm.wait_for(1, 10s));
  EXPECT_EQ(server_->kill9(), 128 + 9);
  ASSERT_TRUE(restart_server());
  // Nobody writes again: the restarted server owes the visitor its answer and gives it.
  ASSERT_TRUE(llm.wait_for(2, 10s)) << llm.count();
  auto history = history_when(cid, [](const std::vector<json>& h) { return h.size() >= 2; });
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[1]["sender"]["kind"], "bot");
  EXPECT_EQ((*history)[1]["text"], "Sorry for the wait: yes, we ship to Oslo.");
  auto second = json::parse(llm.requests()[1].body);
  EXPECT_EQ(second["messages"].back()["content"], "do you ship to Oslo?");
}

TEST_F(Ai, AChatTheVisitorEnded_ReopensToTheAiWhichRemembersIt) {
  fake_http_server llm([](const fake_request&) { return fake_response{200, sse({"Happy to help."}), "text/event-stream"}; });
  configure(llm);
  auto v = connect_visitor();
  ASSERT_TRUE(v);
  auto cid = open_conversation(*v, "v1", "do you sell green teapots?");
  ASSERT_FALSE(cid.empty());
  ASSERT_TRUE(bot_message(*v)) << v->describe();
  ASSERT_TRUE(v->send(json{{"type", "close"}}));
  ASSERT_TRUE(status(*v, "closed")) << v->describe();
  ASSERT_TRUE(send_message(*v, "v2", "and in blue?", cid));
  auto back = v->next([](const json& f) { return f.value("type", "") == "status" && f["via"] == "reopen"; });
  ASSERT_TRUE(back) << v->describe();
  EXPECT_EQ((*back)["status"], "bot");
  ASSERT_TRUE(llm.wait_for(2, 10s));
  auto body = json::parse(llm.requests()[1].body);
  auto& msgs = body["messages"];
  ASSERT_GE(msgs.size(), 4u) << body.dump();
  EXPECT_EQ(msgs[1]["content"], "do you sell green teapots?");
  EXPECT_EQ(msgs.back()["content"], "and in blue?");
  EXPECT_EQ(http().get(api("/queue"), admin_token_).body["items"].size(), 0u);
}

TEST_F(Ai, Settings_AreAdminOnlyValidatedAndNeverShowTheKey) {
  auto none = http().get(api("/ai"), admin_token_);
  ASSERT_EQ(none.status, 200);
  EXPECT_EQ(none.body["configured"], false);
  fake_http_server llm;
  configure(llm);
  auto got = http().get(api("/ai"), admin_token_);
  EXPECT_EQ(got.body["api_key_set"], true);
  EXPECT_EQ(got.body["api_key_hint"], "...6789");
  EXPECT_EQ(got.raw_body.find("sk-test-0123456789"), std::string::npos) << got.raw_body;
  EXPECT_EQ(got.body["model"], "test-model");
  // Changing the prompt without a key keeps the key; "" clears it.
  auto kept = http().request("PUT", api("/ai"), json{{"base_url", llm.url("/v1")}, {"model", "m2"}}, admin_token_);
  EXPECT_EQ(kept.body["api_key_set"], true) << kept.describe();
  ASSERT_EQ(server_->stop_term(), 0);
  ASSERT_TRUE(restart_server());
  EXPECT_EQ(http().get(api("/ai"), admin_token_).body["api_key_hint"], "...6789");
  auto cleared = http().request("PUT", api("/ai"), json{{"base_url", llm.url("/v1")}, {"model", "m2"}, {"api_key", ""}}, admin_token_);
  EXPECT_EQ(cleared.body["api_key_set"], false) << cleared.describe();
  for (auto& bad : {json{{"model", "m"}}, json{{"base_url", "ftp://x/"}, {"model", "m"}},
                    json{{"base_url", "https://x.example/v1"}, {"model", ""}},
                    json{{"base_url", "https://x.example/v1"}, {"model", "m"}, {"timeout_seconds", 1}},
                    json{{"base_url", "https://x.example/v1"}, {"model", "m"}, {"timeout_seconds", 4294967301LL}},
                    json{{"base_url", "https://x.example/v1"}, {"model", "m"}, {"temperature", 2}}})
    EXPECT_EQ(http().request("PUT", api("/ai"), bad, admin_token_).status, 400) << bad.dump();
  auto agent = create_agent("agent@switchboard.test");
  EXPECT_EQ(http().get(api("/ai"), agent).status, 403);
  EXPECT_EQ(http().request("PATCH", api("/widgets/" + site_key_), json{{"ai_bot", {{"name", ""}}}}, admin_token_).status, 400);
}

}  // namespace
}  // namespace switchboard::integration
