// Telegram over real sockets against a local fake of the Bot API: an admin links a bot and a
// staff chat; a visitor's message in a queued conversation is relayed there; a staff reply to
// the relayed message reaches the visitor as an agent message, once however often Telegram
// sends the update; "/close" closes; replies to anything else are answered in the chat, not
// posted; private notes never leave; bot-phase messages are relayed once the conversation
// waits; webhook mode registers its secret and refuses updates without it.
#include <gtest/gtest.h>

#include <deque>
#include <mutex>
#include <thread>

#include "tests/integration/support/fake_http_server.hpp"
#include "tests/integration/support/server_fixture.hpp"

namespace switchboard::integration {
namespace {
using namespace std::chrono_literals;
const std::string kToken = "123456789:AAH-test_token_for_switchboard";
const std::string kChat = "-100200300";

// The Bot API: getUpdates answers the updates from `offset` on (after a short wait when
// none), sendMessage records the message and gives it the next message id.
struct fake_bot_api {
  std::mutex m;
  std::vector<json> updates, sent, calls;
  std::int64_t next_message_id = 500;
  fake_http_server server{[this](const fake_request& q) { return answer(q); }};

  fake_response answer(const fake_request& q) {
    auto body = json::parse(q.body, nullptr, false);
    auto method = q.target.substr(q.target.rfind('/') + 1);
    if (q.target.rfind("/bot" + kToken + "/", 0) != 0) return {401, R"({"ok":false,"description":"Unauthorized"})"};
    if (method == "getUpdates") {
      for (int i = 0; i < 10; ++i) {
        {
          std::lock_guard lk(m);
          json result = json::array();
          for (auto& u : updates)
            if (u["update_id"].get<std::int64_t>() >= body.value("offset", std::int64_t{0})) result.push_back(u);
          if (!result.empty()) return {200, json{{"ok", true}, {"result", result}}.dump()};
        }
        std::this_thread::sleep_for(50ms);
      }
      return {200, R"({"ok":true,"result":[]})"};
    }
    std::lock_guard lk(m);
    calls.push_back({{"method", method}, {"body", body}});
    if (method == "sendMessage") {
      body["message_id"] = next_message_id;
      sent.push_back(body);
      return {200, json{{"ok", true}, {"result", {{"message_id", next_message_id++}, {"chat", {{"id", -100200300}}}}}}.dump()};
    }
    return {200, R"({"ok":true,"result":true})"};
  }
  void push_reply(std::int64_t update_id, std::int64_t reply_to, const std::string& text, std::int64_t from = 777) {
    std::lock_guard lk(m);
    updates.push_back({{"update_id", update_id},
                       {"message", {{"message_id", 9000 + update_id},
                                    {"from", {{"id", from}, {"is_bot", false}, {"first_name", "Mia"}}},
                                    {"chat", {{"id", -100200300}, {"type", "supergroup"}}},
                                    {"date", 1764763200},
                                    {"text", text},
                                    {"reply_to_message", {{"message_id", reply_to}}}}}});
  }
  // The first sent message whose text holds `needle`, waiting for it.
  std::optional<json> wait_sent(const std::string& needle, std::chrono::milliseconds timeout = 10s) {
    auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      {
        std::lock_guard lk(m);
        for (auto& s : sent)
          if (s.value("text", "").find(needle) != std::string::npos) return s;
      }
      std::this_thread::sleep_for(20ms);
    }
    return std::nullopt;
  }
  std::size_t sent_with(const std::string& needle) {
    std::lock_guard lk(m);
    std::size_t n = 0;
    for (auto& s : sent) n += s.value("text", "").find(needle) != std::string::npos;
    return n;
  }
};

class Telegram : public server_fixture {
 protected:
  Telegram() { extra_server_args_ = {"--allow-private-egress", "--telegram-poll-seconds", "1"}; }
  fake_bot_api bot;
  http_response link(json extra = json::object()) {
    json body{{"bot_token", kToken}, {"staff_chat_id", kChat}, {"api_base_url", bot.server.url("")}};
    body.update(extra);
    return http().request("PUT", api("/channels/telegram"), body, admin_token_);
  }
  static std::optional<json> agent_message(chat_peer& v, const std::string& text) {
    return v.next([&](const json& f) { return f.value("type", "") == "message" && f.value("text", "") == text; }, 10s);
  }
};

TEST_F(Telegram, LinkingValidatesAndNeverShowsTheToken) {
  EXPECT_EQ(http().request("PUT", api("/channels/telegram"), json{{"bot_token", "nope"}, {"staff_chat_id", kChat}}, admin_token_).status, 400);
  EXPECT_EQ(http().request("PUT", api("/channels/telegram"), json{{"bot_token", kToken}, {"staff_chat_id", "chat"}}, admin_token_).status, 400);
  EXPECT_EQ(link({{"mode", "webhook"}}).status, 400);  // webhook mode needs its public URL
  EXPECT_EQ(link({{"staff_users", {{"777", "us_nobody"}}}}).status, 400);
  auto agent = create_agent("agent@example.com");
  EXPECT_EQ(http().request("PUT", api("/channels/telegram"), json{{"staff_chat_id", kChat}}, agent).status, 403);
  auto r = link();
  ASSERT_EQ(r.status, 200) << r.describe();
  EXPECT_EQ(r.body["bot_id"], "123456789");
  EXPECT_EQ(r.body["mode"], "polling");
  auto view = http().get(api("/channels/telegram"), admin_token_);
  EXPECT_EQ(view.raw_body.find("AAH-test"), std::string::npos) << view.raw_body;
  // Later changes keep the token when it is left out.
  EXPECT_EQ(http().request("PUT", api("/channels/telegram"), json{{"staff_chat_id", "-42"}, {"api_base_url", bot.server.url("")}}, admin_token_).status, 200);
}

TEST_F(Telegram, RoundTrip_RelayThenStaffReplyReachesTheVisitorOnce) {
  ASSERT_EQ(link().status, 200);
  auto v = connect_visitor();
  ASSERT_TRUE(v);
  auto cid = open_conversation(*v, "v1", "Is the blue teapot in stock?");
  ASSERT_FALSE(cid.empty());
  auto relayed = bot.wait_sent("Is the blue teapot in stock?");
  ASSERT_TRUE(relayed);
  EXPECT_EQ((*relayed)["chat_id"], kChat);
  EXPECT_NE((*relayed)["text"].get<std::string>().find(cid), std::string::npos);
  auto note = http().request("POST", api("/conversations/" + cid + "/messages"),
                             json{{"client_msg_id", "n1"}, {"text", "secret staff note"}, {"private", true}}, admin_token_);
  ASSERT_EQ(note.status, 201) << note.describe();
  ASSERT_TRUE(send_message(*v, "v2", "Hello?"));
  ASSERT_TRUE(bot.wait_sent("Hello?"));
  EXPECT_EQ(bot.sent_with("secret staff note"), 0u);

  bot.push_reply(1, (*relayed)["message_id"].get<std::int64_t>(), "Yes, we ship it tomorrow.");
  ASSERT_TRUE(agent_message(*v, "Yes, we ship it tomorrow.")) << v->describe();
  bot.push_reply(1, (*relayed)["message_id"].get<std::int64_t>(), "Yes, we ship it tomorrow.");  // sent again
  bot.push_reply(2, 424242, "to something else");
  ASSERT_TRUE(bot.wait_sent("not a relayed visitor message"));
  bot.push_reply(3, (*relayed)["message_id"].get<std::int64_t>(), "/close");
  ASSERT_TRUE(v->next([](const json& f) { return f.value("type", "") == "status" && f["status"] == "closed"; }, 10s))
      << v->describe();
  auto history = full_history(cid);
  ASSERT_TRUE(history);
  int replies = 0;
  for (auto& m : *history)
    if (m.value("text", "") == "Yes, we ship it tomorrow.") {
      ++replies;
      EXPECT_EQ(m["sender"]["kind"], "agent");
      EXPECT_EQ(m["sender"]["name"], "Mia (Telegram)");
    }
  EXPECT_EQ(replies, 1);
  EXPECT_EQ(bot.sent_with("to something else"), 0u);
  // A reply to a closed conversation is refused in the chat.
  bot.push_reply(4, (*relayed)["message_id"].get<std::int64_t>(), "one more thing");
  EXPECT_TRUE(bot.wait_sent("Not sent"));
}

TEST_F(Telegram, MappedStaffSpeakAsThemselvesAndBotPhaseMessagesWaitForTheQueue) {
  json greeter{{"name", "Greeter"},
                {"start", "hi"},
                {"nodes",
                 {{{"id", "hi"}, {"type", "message"}, {"text", "Hi! Tell me more."}, {"next", "ask"}},
                  {{"id", "ask"}, {"type", "action"}, {"action", "wait"}, {"var", "x"}, {"next", "hand"}},
                  {{"id", "hand"}, {"type", "action"}, {"action", "handoff"}}}}};
  auto flow = http().post(api("/flows"), greeter, admin_token_);
  ASSERT_EQ(flow.status, 201) << flow.describe();
  ASSERT_EQ(http().request("PATCH", api("/widgets/" + site_key_), json{{"bot_flow_id", flow.body["id"]}}, admin_token_).status, 200);
  ASSERT_EQ(link({{"staff_users", {{"777", admin_user_["id"]}}}}).status, 200);
  auto v = connect_visitor();
  ASSERT_TRUE(v);
  auto cid = open_conversation(*v, "v1", "first words to the bot");
  ASSERT_FALSE(cid.empty());
  ASSERT_TRUE(v->next([](const json& f) { return f.value("type", "") == "message" && f["sender"]["kind"] == "bot"; }, 10s));
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(bot.sent_with("first words to the bot"), 0u);  // the bot has it
  ASSERT_TRUE(send_message(*v, "v2", "still nobody?"));
  auto waiting = bot.wait_sent("still nobody?");
  ASSERT_TRUE(waiting);
  EXPECT_NE((*waiting)["text"].get<std::string>().find("Waiting"), std::string::npos);
  EXPECT_NE((*waiting)["text"].get<std::string>().find("first words to the bot"), std::string::npos);
  bot.push_reply(1, (*waiting)["message_id"].get<std::int64_t>(), "Hi, Anna from support here.");
  auto m = agent_message(*v, "Hi, Anna from support here.");
  ASSERT_TRUE(m) << v->describe();
  EXPECT_EQ((*m)["sender"]["id"], admin_user_["id"]);
}

TEST_F(Telegram, RelaysWaitOutADownApiAndASigkill_ThenGoOutOnceEachInOrder) {
  ASSERT_EQ(link().status, 200);
  auto v = connect_visitor();
  ASSERT_TRUE(v);
  ASSERT_FALSE(open_conversation(*v, "v1", "msg-1").empty());
  ASSERT_TRUE(bot.wait_sent("msg-1"));
  bot.server.stop();  // Telegram unreachable
  for (auto* t : {"msg-2", "msg-3", "msg-4"}) ASSERT_TRUE(send_message(*v, t, t));
  std::this_thread::sleep_for(500ms);
  v.reset();
  EXPECT_EQ(server_->kill9(), 128 + 9);
  bot.server.start();
  ASSERT_TRUE(restart_server());
  ASSERT_TRUE(bot.wait_sent("msg-4", 15s));
  std::this_thread::sleep_for(300ms);
  std::vector<std::string> order;
  {
    std::lock_guard lk(bot.m);
    for (auto& s : bot.sent) order.push_back(s["text"].get<std::string>().substr(s["text"].get<std::string>().rfind('\n') + 1));
  }
  EXPECT_EQ(order, (std::vector<std::string>{"msg-1", "msg-2", "msg-3", "msg-4"}));
}

TEST_F(Telegram, WebhookMode_RegistersItsSecretAndRefusesUpdatesWithoutIt) {
  ASSERT_EQ(link({{"mode", "webhook"}, {"webhook_url", "https://chat.example.com/hooks/telegram/x"}}).status, 200);
  std::string secret;
  for (int i = 0; i < 250 && secret.empty(); ++i) {
    {
      std::lock_guard lk(bot.m);
      for (auto& c : bot.calls)
        if (c["method"] == "setWebhook") secret = c["body"].value("secret_token", "");
    }
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_FALSE(secret.empty());
  auto v = connect_visitor();
  ASSERT_TRUE(v);
  auto cid = open_conversation(*v, "v1", "webhook hello");
  auto relayed = bot.wait_sent("webhook hello");
  ASSERT_TRUE(relayed);
  auto hook = http().get(api("/channels/telegram"), admin_token_).body["webhook_path"].get<std::string>();
  bot.push_reply(1, (*relayed)["message_id"].get<std::int64_t>(), "via the webhook");
  json update;
  {
    std::lock_guard lk(bot.m);
    update = bot.updates.back();
  }
  auto post = [&](const std::string& s) {
    return http().request_raw("POST", hook, update.dump(), "application/json", std::nullopt, {{"X-Telegram-Bot-Api-Secret-Token", s}});
  };
  EXPECT_EQ(post("wrong").status, 403);
  EXPECT_EQ(post("").status, 403);
  EXPECT_EQ(post(secret).status, 200);
  ASSERT_TRUE(agent_message(*v, "via the webhook")) << v->describe();
  EXPECT_EQ(http().request_raw("POST", "/hooks/telegram/ws_nobody", update.dump(), "application/json", std::nullopt,
                               {{"X-Telegram-Bot-Api-Secret-Token", secret}}).status, 404);
}

}  // namespace
}  // namespace switchboard::integration
