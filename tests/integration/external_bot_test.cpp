// An external bot (an n8n-style workflow) over real sockets: it learns of the visitor's
// messages from an outgoing webhook and answers through the API with a bot token, as sender
// kind bot; it hands off with escalate, or the conversation goes to a person when the bot
// stays silent; a bot token reaches /conversations of its own workspace only.
#include <gtest/gtest.h>

#include <thread>

#include "tests/integration/support/fake_http_server.hpp"
#include "tests/integration/support/server_fixture.hpp"

namespace switchboard::integration {
namespace {
using namespace std::chrono_literals;

class ExternalBot : public server_fixture {
 protected:
  ExternalBot() { extra_server_args_ = {"--allow-private-egress", "--webhook-retry-max-seconds", "1"}; }

  std::string bot_token(const std::string& name = "Shop bot") {
    auto r = http().post(api("/bot_tokens"), json{{"name", name}}, admin_token_);
    EXPECT_EQ(r.status, 201) << r.describe();
    return r.body.value("token", "");
  }
  void use_external_bot(int handoff_after_seconds) {
    auto r = http().request("PATCH", api("/widgets/" + site_key_),
                            json{{"external_bot", {{"name", "Shop bot"}, {"handoff_after_seconds", handoff_after_seconds}}}},
                            admin_token_);
    ASSERT_EQ(r.status, 200) << r.describe();
  }
  static std::optional<json> next_status(chat_peer& p, const std::string& status) {
    return p.next([&](const json& f) { return f.value("type", "") == "status" && f["status"] == status; });
  }
};

TEST_F(ExternalBot, AWebhookDrivenBot_AnswersAsBotAndHandsOff) {
  auto token = bot_token();
  ASSERT_EQ(token.rfind("bt_", 0), 0u);
  use_external_bot(60);
  auto port = server_->port();
  // The "workflow": every visitor message comes in by webhook; the bot answers it by API.
  fake_http_server workflow([port, token](const fake_request& q) {
    auto ev = json::parse(q.body, nullptr, false);
    auto& d = ev["data"];
    if (ev["type"] == "message.created" && d["sender"]["kind"] == "visitor") {
      auto cid = d["conversation_id"].get<std::string>();
      auto text = d["text"].get<std::string>();
      http_client api(port);
      if (text == "human please")
        api.post("/api/v1/conversations/" + cid + "/escalate", json::object(), token);
      else
        api.post("/api/v1/conversations/" + cid + "/messages",
                 json{{"client_msg_id", "re-" + ev["id"].get<std::string>()}, {"text", "You said: " + text}}, token);
    }
    return fake_response{};
  });
  auto hook = http().post(api("/webhooks"), json{{"url", workflow.url("/n8n")}, {"events", {"message.created"}}}, admin_token_);
  ASSERT_EQ(hook.status, 201) << hook.describe();
  auto config = http().get(api("/widgets/" + site_key_ + "/config"), "");
  EXPECT_EQ(config.body["bot"]["name"], "Shop bot") << config.describe();

  auto v = connect_visitor();
  ASSERT_TRUE(v);
  auto cid = open_conversation(*v, "v1", "do you ship to Norway?");
  ASSERT_FALSE(cid.empty());
  ASSERT_TRUE(next_status(*v, "bot")) << v->describe();
  auto reply = v->next([](const json& f) { return f.value("type", "") == "message" && f["sender"]["kind"] == "bot"; });
  ASSERT_TRUE(reply) << v->describe();
  EXPECT_EQ((*reply)["text"], "You said: do you ship to Norway?");
  EXPECT_EQ((*reply)["sender"]["name"], "Shop bot");
  EXPECT_TRUE(http().get(api("/queue"), admin_token_).body["items"].empty());

  ASSERT_TRUE(send_message(*v, "v2", "human please", cid));
  auto waiting = next_status(*v, "waiting");
  ASSERT_TRUE(waiting) << v->describe();
  EXPECT_EQ((*waiting)["via"], "handoff");
  auto queue = http().get(api("/queue"), admin_token_);
  ASSERT_EQ(queue.body["items"].size(), 1u) << queue.describe();
}

TEST_F(ExternalBot, ASilentBot_HandsTheConversationToAPersonAfterItsTimeout) {
  bot_token();
  use_external_bot(1);
  auto v = connect_visitor();
  ASSERT_TRUE(v);
  auto started = std::chrono::steady_clock::now();
  ASSERT_FALSE(open_conversation(*v, "v1", "anyone?").empty());
  ASSERT_TRUE(next_status(*v, "bot")) << v->describe();
  auto waiting = next_status(*v, "waiting");
  ASSERT_TRUE(waiting) << v->describe();
  EXPECT_EQ((*waiting)["via"], "handoff");
  EXPECT_GE(std::chrono::steady_clock::now() - started, 900ms);
}

TEST_F(ExternalBot, ASilentBotsDeadline_SurvivesASigkill) {
  use_external_bot(2);
  auto v = connect_visitor();
  ASSERT_TRUE(v);
  auto cid = open_conversation(*v, "v1", "anyone?");
  ASSERT_FALSE(cid.empty());
  EXPECT_EQ(server_->kill9(), 128 + 9);  // the 2 s deadline was armed in memory only
  ASSERT_TRUE(restart_server());
  EXPECT_EQ(wait_for_status(cid, "waiting"), "waiting");
  auto queue = http().get(api("/queue"), admin_token_);
  ASSERT_EQ(queue.body["items"].size(), 1u) << queue.describe();
  EXPECT_EQ(queue.body["items"][0]["conversation_id"], cid);
}

TEST_F(ExternalBot, BotTokens_ReachOnlyTheirWorkspacesConversationsAndDieWhenRevoked) {
  auto token = bot_token();
  auto v = connect_visitor();
  ASSERT_TRUE(v);
  auto cid = open_conversation(*v);
  ASSERT_FALSE(cid.empty());
  // (The conversation reaches the read model a moment after its ack.)
  for (int i = 0; i < 250 && http().get(api("/conversations/" + cid), admin_token_).status != 200; ++i)
    std::this_thread::sleep_for(20ms);
  EXPECT_EQ(http().get(api("/conversations/" + cid), token).status, 200);
  EXPECT_EQ(http().get(api("/conversations?status=waiting"), token).status, 200);
  for (auto* path : {"/widgets", "/users", "/webhooks", "/bot_tokens", "/stats/overview", "/queue"})
    EXPECT_EQ(http().get(api(path), token).status, 403) << path;
  EXPECT_EQ(http().post(api("/conversations/" + cid + "/accept"), json::object(), token).status, 403);
  EXPECT_EQ(http().post(api("/conversations/" + cid + "/messages"),
                        json{{"client_msg_id", "n1"}, {"text", "secret"}, {"private", true}}, token).status, 403);
  auto said = http().post(api("/conversations/" + cid + "/messages"), json{{"client_msg_id", "b1"}, {"text", "Hi from the bot"}}, token);
  ASSERT_EQ(said.status, 201) << said.describe();
  auto m = v->next([](const json& f) { return f.value("type", "") == "message" && f["sender"]["kind"] == "bot"; });
  ASSERT_TRUE(m) << v->describe();
  // The list never shows the token; agents may not manage tokens; names are checked.
  auto list = http().get(api("/bot_tokens"), admin_token_);
  ASSERT_EQ(list.body["items"].size(), 1u);
  EXPECT_EQ(list.raw_body.find(token.substr(token.find('.') + 1)), std::string::npos);
  auto agent = create_agent("agent@switchboard.test");
  EXPECT_EQ(http().get(api("/bot_tokens"), agent).status, 403);
  EXPECT_EQ(http().post(api("/bot_tokens"), json{{"name", ""}}, admin_token_).status, 400);
  EXPECT_EQ(http().post(api("/bot_tokens"), json{{"name", "x"}, {"scope", "all"}}, admin_token_).status, 400);
  // A forged secret and a revoked token are refused.
  EXPECT_EQ(http().get(api("/conversations/" + cid), token.substr(0, token.find('.') + 1) + "00").status, 401);
  auto id = list.body["items"][0]["id"].get<std::string>();
  ASSERT_EQ(http().request("DELETE", api("/bot_tokens/" + id), std::nullopt, admin_token_).status, 200);
  EXPECT_EQ(http().get(api("/conversations/" + cid), token).status, 401);
  // A widget cannot have both kinds of bot at once.
  auto both = http().request("PATCH", api("/widgets/" + site_key_),
                             json{{"external_bot", {{"name", "B"}}}, {"bot_flow_id", "fl_x"}}, admin_token_);
  EXPECT_EQ(both.status, 400) << both.describe();
  auto bad = http().request("PATCH", api("/widgets/" + site_key_), json{{"external_bot", {{"name", "B"}, {"handoff_after_seconds", 0}}}}, admin_token_);
  EXPECT_EQ(bad.status, 400) << bad.describe();
}

}  // namespace
}  // namespace switchboard::integration
