// Outgoing webhooks over real sockets and a local receiver: signed deliveries in order per
// conversation, a receiver that is down gets everything afterwards once each, undelivered
// events survive SIGKILL, the delivery log and manual redelivery, validation and secrets.
#include <openssl/hmac.h>

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "tests/integration/support/fake_http_server.hpp"
#include "tests/integration/support/server_fixture.hpp"

namespace switchboard::integration {
namespace {
using namespace std::chrono_literals;

// An independent check of X-Switchboard-Signature, as a receiver would write it.
std::string expected_signature(const std::string& secret, const std::string& ts, const std::string& body) {
  auto text = ts + "." + body;
  unsigned char mac[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), reinterpret_cast<const unsigned char*>(text.data()),
       text.size(), mac, &len);
  static const char* hex = "0123456789abcdef";
  std::string out = "sha256=";
  for (unsigned i = 0; i < len; ++i) out += hex[mac[i] >> 4], out += hex[mac[i] & 15];
  return out;
}

class Webhooks : public server_fixture {
 protected:
  Webhooks() {
    extra_server_args_ = {"--allow-private-egress", "--webhook-retry-max-seconds", "1", "--visitor-rate", "1000",
                          "--visitor-burst", "1000"};
  }

  json create_hook(const std::string& url, std::optional<json> events = std::nullopt) {
    json body{{"url", url}};
    if (events) body["events"] = *events;
    auto r = http().post(api("/webhooks"), body, admin_token_);
    EXPECT_EQ(r.status, 201) << r.describe();
    return r.body;
  }
  // The message.created deliveries the receiver got, by id, in arrival order.
  static std::vector<json> bodies(const fake_http_server& rx, const std::string& type = "") {
    std::vector<json> out;
    for (auto& q : rx.requests()) {
      auto j = json::parse(q.body, nullptr, false);
      if (j.is_object() && (type.empty() || j["type"] == type)) out.push_back(j);
    }
    return out;
  }
  static bool wait_until(const std::function<bool()>& f, std::chrono::milliseconds timeout) {
    for (auto end = std::chrono::steady_clock::now() + timeout; std::chrono::steady_clock::now() < end;) {
      if (f()) return true;
      std::this_thread::sleep_for(20ms);
    }
    return f();
  }
  // Sends n messages on a new conversation; their texts are prefix0..prefix(n-1).
  std::string chat(int n, const std::string& prefix) {
    auto v = connect_visitor();
    if (!v) return "";
    auto cid = open_conversation(*v, prefix + "open", prefix + "open");
    for (int i = 0; i < n; ++i) {
      auto ack = send_message(*v, prefix + std::to_string(i), prefix + std::to_string(i), cid);
      if (!ack || ack->value("type", "") != "ack") return ADD_FAILURE() << (ack ? ack->dump() : "no answer"), "";
    }
    return cid;
  }
  // The texts of a conversation's message.created deliveries, duplicates (same id) dropped.
  static std::vector<std::string> texts(const std::vector<json>& bs, const std::string& cid) {
    std::set<std::string> seen;
    std::vector<std::string> out;
    for (auto& b : bs)
      if (b["type"] == "message.created" && b["data"]["conversation_id"] == cid && seen.insert(b["id"]).second)
        out.push_back(b["data"]["text"]);
    return out;
  }
};

TEST_F(Webhooks, Deliveries_AreSignedTypedAndInOrder) {
  fake_http_server rx;
  auto hook = create_hook(rx.url("/hook"));
  std::string secret = hook.value("secret", "");
  ASSERT_EQ(secret.rfind("whsec_", 0), 0u) << hook.dump();
  auto cid = chat(5, "m");
  ASSERT_FALSE(cid.empty());
  ASSERT_TRUE(wait_until([&] { return texts(bodies(rx), cid).size() == 6; }, 10s)) << rx.count();
  EXPECT_EQ(texts(bodies(rx), cid), (std::vector<std::string>{"mopen", "m0", "m1", "m2", "m3", "m4"}));
  auto created = bodies(rx, "conversation.created");
  ASSERT_EQ(created.size(), 1u);
  EXPECT_EQ(created[0]["data"]["conversation_id"], cid);
  EXPECT_EQ(created[0]["workspace_id"], admin_user_["workspace_id"]);
  for (auto& q : rx.requests()) {
    EXPECT_EQ(q.target, "/hook");
    EXPECT_EQ(q.header("content-type"), "application/json");
    auto body = json::parse(q.body);
    EXPECT_EQ(q.header("x-switchboard-event"), body["type"]);
    EXPECT_EQ(q.header("x-switchboard-delivery"), body["id"]);
    auto ts = q.header("x-switchboard-timestamp");
    EXPECT_NEAR(std::stoll(ts), std::time(nullptr), 60);
    EXPECT_EQ(q.header("x-switchboard-signature"), expected_signature(secret, ts, q.body)) << q.body;
  }
  // Accepting is a status change.
  ASSERT_TRUE(accept_as_admin(cid));
  ASSERT_TRUE(wait_until([&] { return bodies(rx, "conversation.status_changed").size() == 2; }, 10s));
  auto st = bodies(rx, "conversation.status_changed");
  EXPECT_EQ(st.front()["data"]["status"], "waiting");  // the open
  EXPECT_EQ(st.back()["data"]["status"], "active");
  EXPECT_EQ(st.back()["data"]["via"], "accept");
}

TEST_F(Webhooks, AReceiverThatIsDown_GetsEveryEventAfterwardsInOrderOnceEach) {
  fake_http_server rx;
  create_hook(rx.url("/hook"), json{"message.created"});
  auto port = rx.port();
  rx.stop();
  auto a = chat(15, "a"), b = chat(15, "b");
  ASSERT_FALSE(a.empty());
  ASSERT_FALSE(b.empty());
  std::this_thread::sleep_for(3s);  // several failed attempts per lane, backoff capped at 1 s
  rx.start();
  ASSERT_EQ(rx.port(), port);
  ASSERT_TRUE(wait_until([&] { return rx.count() >= 32; }, 15s)) << rx.count();
  std::this_thread::sleep_for(300ms);
  auto all = bodies(rx);
  EXPECT_EQ(all.size(), 32u);  // once each: nothing was lost or sent twice
  std::vector<std::string> want_a{"aopen"}, want_b{"bopen"};
  for (int i = 0; i < 15; ++i) want_a.push_back("a" + std::to_string(i)), want_b.push_back("b" + std::to_string(i));
  EXPECT_EQ(texts(all, a), want_a);
  EXPECT_EQ(texts(all, b), want_b);
  // The delivery log shows the retries.
  auto hooks = http().get(api("/webhooks"), admin_token_);
  auto id = hooks.body["items"][0]["id"].get<std::string>();
  auto log = http().get(api("/webhooks/" + id + "/deliveries?limit=200"), admin_token_);
  ASSERT_EQ(log.status, 200) << log.describe();
  ASSERT_EQ(log.body["items"].size(), 32u) << log.describe();
  bool retried = false;
  for (auto& d : log.body["items"]) {
    EXPECT_EQ(d["status"], "delivered") << d.dump();
    EXPECT_EQ(d["response_status"], 200) << d.dump();
    retried |= d["attempts"].get<int>() > 1;
  }
  EXPECT_TRUE(retried) << log.describe();
}

TEST_F(Webhooks, UndeliveredEventsSurviveSigkill_AndAreAllDeliveredAfterTheRestart) {
  fake_http_server rx;
  create_hook(rx.url("/hook"), json{"message.created"});
  auto port = rx.port();
  rx.stop();
  auto cid = chat(20, "k");  // every message acked, none delivered
  ASSERT_FALSE(cid.empty());
  std::this_thread::sleep_for(500ms);
  ASSERT_EQ(server_->kill9(), 128 + 9);
  ASSERT_TRUE(restart_server());
  fake_http_server back({}, port);
  ASSERT_TRUE(wait_until([&] { return texts(bodies(back), cid).size() == 21; }, 15s)) << back.count();
  std::vector<std::string> want{"kopen"};
  for (int i = 0; i < 20; ++i) want.push_back("k" + std::to_string(i));
  EXPECT_EQ(texts(bodies(back), cid), want);
}

TEST_F(Webhooks, DeliveryLogAndRedelivery_ShowFailuresAndSendTheSameEventAgain) {
  std::atomic<bool> failing{true};
  fake_http_server rx([&](const fake_request&) { return failing ? fake_response{503, "{}"} : fake_response{}; });
  auto hook = create_hook(rx.url("/hook"), json{"conversation.created"});
  auto id = hook["id"].get<std::string>();
  ASSERT_FALSE(chat(0, "r").empty());
  ASSERT_TRUE(wait_until([&] { return rx.count() >= 2; }, 10s));
  auto log = http().get(api("/webhooks/" + id + "/deliveries"), admin_token_);
  ASSERT_EQ(log.body["items"].size(), 1u) << log.describe();
  auto d = log.body["items"][0];
  EXPECT_EQ(d["status"], "retrying") << d.dump();
  EXPECT_EQ(d["response_status"], 503);
  EXPECT_EQ(d["event_type"], "conversation.created");
  EXPECT_FALSE(d["next_attempt_ts"].is_null());
  failing = false;
  ASSERT_TRUE(wait_until([&] {
    auto l = http().get(api("/webhooks/" + id + "/deliveries"), admin_token_);
    return l.body["items"].size() == 1 && l.body["items"][0]["status"] == "delivered";
  }, 10s));
  auto before = rx.count();
  auto evt = d["id"].get<std::string>();
  auto r = http().post(api("/webhooks/" + id + "/deliveries/" + evt + "/redeliver"), json::object(), admin_token_);
  ASSERT_EQ(r.status, 202) << r.describe();
  ASSERT_TRUE(rx.wait_for(before + 1, 10s));
  EXPECT_EQ(json::parse(rx.requests().back().body)["id"], evt);
  EXPECT_EQ(rx.requests().back().header("x-switchboard-delivery"), evt);
  ASSERT_TRUE(wait_until([&] {
    auto l = http().get(api("/webhooks/" + id + "/deliveries"), admin_token_);
    return l.body["items"][0]["manual"] == true;
  }, 5s));
  EXPECT_EQ(http().post(api("/webhooks/" + id + "/deliveries/evt_999999/redeliver"), json::object(), admin_token_).status, 404);
  EXPECT_EQ(http().post(api("/webhooks/" + id + "/deliveries/nope/redeliver"), json::object(), admin_token_).status, 404);
}

TEST_F(Webhooks, Endpoints_AreValidatedAdminOnlyAndNeverShowTheirSecretAgain) {
  for (auto& bad : {json{{"url", "ftp://x.example/"}}, json{{"url", 5}}, json{{"events", json::array({"message.created"})}},
                    json{{"url", "https://x.example/"}, {"events", json::array({"nope"})}},
                    json{{"url", "https://x.example/"}, {"events", json::array()}},
                    json{{"url", "https://x.example/"}, {"secret", "mine"}}}) {
    auto r = http().post(api("/webhooks"), bad, admin_token_);
    EXPECT_EQ(r.status, 400) << bad.dump() << " " << r.describe();
  }
  auto agent = create_agent("agent@switchboard.test");
  EXPECT_EQ(http().get(api("/webhooks"), agent).status, 403);
  EXPECT_EQ(http().post(api("/webhooks"), json{{"url", "https://x.example/"}}, agent).status, 403);

  auto hook = create_hook("https://hooks.example.com/in");
  auto id = hook["id"].get<std::string>();
  auto secret = hook["secret"].get<std::string>();
  EXPECT_EQ(hook["events"].size(), 4u);
  auto got = http().get(api("/webhooks/" + id), admin_token_);
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.raw_body.find(secret), std::string::npos) << got.raw_body;
  EXPECT_EQ(got.body["secret_hint"], "whsec_..." + secret.substr(secret.size() - 4));
  auto list = http().get(api("/webhooks"), admin_token_);
  EXPECT_EQ(list.raw_body.find(secret), std::string::npos);
  auto patched = http().request("PATCH", api("/webhooks/" + id), json{{"enabled", false}, {"description", "CRM"}}, admin_token_);
  ASSERT_EQ(patched.status, 200) << patched.describe();
  EXPECT_EQ(patched.body["enabled"], false);
  EXPECT_EQ(patched.body["url"], "https://hooks.example.com/in");
  auto rotated = http().post(api("/webhooks/" + id + "/rotate_secret"), json::object(), admin_token_);
  ASSERT_EQ(rotated.status, 200);
  EXPECT_NE(rotated.body["secret"], secret);
  // The secret is sealed in the log and survives a restart.
  ASSERT_EQ(server_->stop_term(), 0);
  ASSERT_TRUE(restart_server());
  auto after = http().get(api("/webhooks/" + id), admin_token_);
  EXPECT_EQ(after.body["secret_hint"], rotated.body["secret_hint"]);
  EXPECT_EQ(after.body["description"], "CRM");
  EXPECT_EQ(http().request("DELETE", api("/webhooks/" + id), std::nullopt, admin_token_).status, 200);
  EXPECT_EQ(http().get(api("/webhooks/" + id), admin_token_).status, 404);
}

}  // namespace
}  // namespace switchboard::integration
