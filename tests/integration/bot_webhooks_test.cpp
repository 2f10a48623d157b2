// A flow's webhook action over real sockets: the bot calls a local receiver (allowed with
// --allow-private-egress), stores fields of its JSON answer and uses them in its next message;
// a failing receiver takes the node's on_error edge; without the flag the call to a loopback
// address is refused and nothing reaches the receiver.
#include <gtest/gtest.h>

#include <thread>

#include "tests/integration/support/fake_http_server.hpp"
#include "tests/integration/support/server_fixture.hpp"

namespace switchboard::integration {
namespace {
using namespace std::chrono_literals;

json order_flow(const std::string& url) {
  return {{"name", "Order bot"},
          {"start", "ask"},
          {"nodes",
           {{{"id", "ask"},
             {"type", "action"},
             {"action", "webhook"},
             {"url", url},
             {"body", {{"question", "{{vars.last_input}}"}}},
             {"store", {{"eta", "delivery.eta"}, {"sku", "items.0.sku"}}},
             {"next", "answer"},
             {"on_error", "sorry"}},
            {{"id", "answer"}, {"type", "message"}, {"text", "Your {{vars.sku}} arrives {{vars.eta}}."}},
            {{"id", "sorry"}, {"type", "action"}, {"action", "handoff"}, {"text", "Our order system is down, a person will help."}}}}};
}

class BotWebhooks : public server_fixture {
 protected:
  void use_flow(const json& def) {
    auto r = http().post(api("/flows"), def, admin_token_);
    ASSERT_EQ(r.status, 201) << r.describe();
    auto w = http().request("PATCH", api("/widgets/" + site_key_), json{{"bot_flow_id", r.body["id"]}}, admin_token_);
    ASSERT_EQ(w.status, 200) << w.describe();
  }
  std::optional<json> first_bot_text(const std::string& visitor_text) {
    auto v = connect_visitor();
    if (!v) return std::nullopt;
    if (open_conversation(*v, "v1", visitor_text).empty()) return std::nullopt;
    auto m = v->next([](const json& f) { return f.value("type", "") == "message" && f["sender"]["kind"] == "bot"; });
    if (!m) ADD_FAILURE() << v->describe();
    return m ? std::optional<json>((*m)["text"]) : std::nullopt;
  }
};

class BotWebhooksAllowed : public BotWebhooks {
 protected:
  BotWebhooksAllowed() { extra_server_args_ = {"--allow-private-egress"}; }
};

TEST_F(BotWebhooksAllowed, AnswerFields_AreStoredAndSaidByTheBot) {
  fake_http_server receiver([](const fake_request&) {
    return fake_response{200, R"({"delivery": {"eta": "tomorrow"}, "items": [{"sku": "teapot"}]})"};
  });
  use_flow(order_flow(receiver.url("/orders/lookup")));
  auto text = first_bot_text("where is order 42?");
  ASSERT_TRUE(text);
  EXPECT_EQ(*text, "Your teapot arrives tomorrow.");
  auto reqs = receiver.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].target, "/orders/lookup");
  EXPECT_EQ(reqs[0].header("content-type"), "application/json");
  auto body = json::parse(reqs[0].body);
  EXPECT_EQ(body["question"], "where is order 42?");
}

TEST_F(BotWebhooksAllowed, ACallCutOffByASigkill_TakesTheOnErrorEdgeOnceTheServerIsBack) {
  fake_http_server receiver([](const fake_request&) { return fake_response{200, R"({"delivery": {"eta": "x"}})", "application/json", 4s}; });
  use_flow(order_flow(receiver.url("/orders/lookup")));
  auto v = connect_visitor();
  ASSERT_TRUE(v);
  auto cid = open_conversation(*v, "v1", "where is order 42?");
  ASSERT_FALSE(cid.empty());
  ASSERT_TRUE(receiver.wait_for(1, 10s));
  EXPECT_EQ(server_->kill9(), 128 + 9);  // the call is out
  ASSERT_TRUE(restart_server());
  // Nobody writes again: the lost call counts as failed now, and the flow hands off.
  EXPECT_EQ(wait_for_status(cid, "waiting"), "waiting");
  auto history = history_when(cid, [](const std::vector<json>& h) { return h.size() >= 2; });
  ASSERT_TRUE(history);
  ASSERT_GE(history->size(), 2u);
  EXPECT_EQ(history->back()["text"], "Our order system is down, a person will help.") << history->back().dump();
  EXPECT_EQ(receiver.count(), 1u);  // not called again
}

TEST_F(BotWebhooksAllowed, FailingReceiver_TakesTheOnErrorEdgeToAPerson) {
  fake_http_server receiver([](const fake_request&) { return fake_response{500, R"({"error": "db down"})"}; });
  use_flow(order_flow(receiver.url("/orders/lookup")));
  auto text = first_bot_text("where is order 42?");
  ASSERT_TRUE(text);
  EXPECT_EQ(*text, "Our order system is down, a person will help.");
  EXPECT_EQ(receiver.count(), 1u);
  auto metrics = http().get("/metrics", "").raw_body;
  auto at = metrics.find("\nswitchboard_flow_webhooks_failed_total ");
  ASSERT_NE(at, std::string::npos) << metrics;
  EXPECT_EQ(std::stod(metrics.substr(at + 40)), 1.0) << metrics.substr(at, 60);
}

TEST_F(BotWebhooks, LoopbackReceiverWithoutTheFlag_IsRefusedAndNeverCalled) {
  fake_http_server receiver;
  use_flow(order_flow(receiver.url("/orders/lookup")));
  auto text = first_bot_text("where is order 42?");
  ASSERT_TRUE(text);
  EXPECT_EQ(*text, "Our order system is down, a person will help.");
  EXPECT_EQ(receiver.count(), 0u);
}

}  // namespace
}  // namespace switchboard::integration
