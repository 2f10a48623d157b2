// Instagram over real sockets: an admin links the account; Meta's subscription check gets its
// challenge back only with the right verify token; signed messaging events become a
// conversation with channel "instagram" in the same queue (stored once however often Meta
// retries); forged or unsigned events change nothing.
#include <openssl/hmac.h>

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "tests/integration/support/fake_http_server.hpp"
#include "tests/integration/support/server_fixture.hpp"

namespace switchboard::integration {
namespace {
using namespace std::chrono_literals;

std::string meta_signature(const std::string& secret, const std::string& body) {
  unsigned char mac[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), reinterpret_cast<const unsigned char*>(body.data()),
       body.size(), mac, &len);
  static const char* hex = "0123456789abcdef";
  std::string out = "sha256=";
  for (unsigned i = 0; i < len; ++i) out += hex[mac[i] >> 4], out += hex[mac[i] & 15];
  return out;
}

std::string event(const std::string& mid, const std::string& text, bool echo = false) {
  json msg{{"mid", mid}, {"text", text}};
  if (echo) msg["is_echo"] = true;
  return json{{"object", "instagram"},
              {"entry", {{{"id", "17841400000000001"}, {"time", 1764763200},
                          {"messaging", {{{"sender", {{"id", "5544332211"}}}, {"recipient", {{"id", "17841400000000001"}}},
                                          {"timestamp", 1764763200000}, {"message", msg}}}}}}}}
      .dump();
}

class Instagram : public server_fixture {
 protected:
  Instagram() { extra_server_args_ = {"--allow-private-egress"}; }
  const std::string secret_ = "meta-app-secret-123";
  std::string hook_;
  void link(const std::string& graph = "") {
    json body{{"account_id", "17841400000000001"}, {"site_key", site_key_}, {"verify_token", "verify-me-please"},
              {"app_secret", secret_}, {"access_token", "page-token-abc"}};
    if (!graph.empty()) body["graph_base_url"] = graph;
    auto r = http().request("PUT", api("/channels/instagram"), body, admin_token_);
    ASSERT_EQ(r.status, 200) << r.describe();
    hook_ = r.body["webhook_path"];
  }
  http_response post_event(const std::string& body, const std::string& signature) {
    return http().request_raw("POST", hook_, body, "application/json", std::nullopt, {{"X-Hub-Signature-256", signature}});
  }
};

TEST_F(Instagram, VerificationAnswersTheChallengeOnlyForTheRightToken) {
  link();
  auto ok = http().get(hook_ + "?hub.mode=subscribe&hub.verify_token=verify-me-please&hub.challenge=1158201444", "");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.raw_body, "1158201444");
  EXPECT_EQ(http().get(hook_ + "?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1", "").status, 403);
  EXPECT_EQ(http().get("/hooks/instagram/ws_nobody?hub.mode=subscribe&hub.verify_token=verify-me-please&hub.challenge=1", "").status, 404);
}

TEST_F(Instagram, SignedMessages_BecomeOneInstagramConversationInTheQueue) {
  link();
  auto body = event("m_1", "Do you ship to Oslo?");
  auto r = post_event(body, meta_signature(secret_, body));
  ASSERT_EQ(r.status, 200) << r.describe();
  EXPECT_EQ(r.body["received"], 1);
  EXPECT_EQ(post_event(body, meta_signature(secret_, body)).status, 200);  // Meta retries
  auto again = event("m_2", "Hello?");
  ASSERT_EQ(post_event(again, meta_signature(secret_, again)).status, 200);
  auto echo = event("m_3", "our own reply", true);
  ASSERT_EQ(post_event(echo, meta_signature(secret_, echo)).status, 200);
  json queue;
  for (int i = 0; i < 250; ++i) {
    queue = http().get(api("/queue"), admin_token_).body;
    if (queue["items"].size() == 1) break;
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_EQ(queue["items"].size(), 1u) << queue.dump();
  auto cid = queue["items"][0]["conversation_id"].get<std::string>();
  for (int i = 0; i < 250 && http().get(api("/conversations/" + cid), admin_token_).body.value("last_seq", 0) < 3; ++i)
    std::this_thread::sleep_for(20ms);  // the read model follows the queue by a moment
  auto history = full_history(cid);
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0]["text"], "Do you ship to Oslo?");
  EXPECT_EQ((*history)[1]["text"], "Hello?");
  auto conv = http().get(api("/conversations/" + cid), admin_token_);
  EXPECT_EQ(conv.body["channel"], "instagram") << conv.describe();
  auto stats = http().get(api("/stats/overview"), admin_token_);
  EXPECT_EQ(stats.body["by_channel"]["instagram"], 1) << stats.describe();
  auto visitors = http().get(api("/visitors"), admin_token_);
  ASSERT_EQ(visitors.status, 200) << visitors.describe();
  ASSERT_EQ(visitors.body["items"].size(), 1u) << visitors.describe();
  EXPECT_EQ(visitors.body["items"][0]["id"], conv.body["visitor"]["id"]);
}

TEST_F(Instagram, StaffReplies_GoOutThroughTheGraphApiInOrderWithRetries) {
  std::atomic<int> calls{0};
  fake_http_server graph([&](const fake_request&) {
    return ++calls == 1 ? fake_response{500, R"({"error":{"message":"try later"}})"}
                        : fake_response{200, R"({"recipient_id":"5544332211","message_id":"m_out"})"};
  });
  link(graph.url("/v21.0"));
  auto body = event("m_1", "Do you ship to Oslo?");
  ASSERT_EQ(post_event(body, meta_signature(secret_, body)).status, 200);
  std::string cid;
  for (int i = 0; i < 250 && cid.empty(); ++i) {
    auto q = http().get(api("/queue"), admin_token_).body;
    if (q["items"].size() == 1) cid = q["items"][0]["conversation_id"];
    else std::this_thread::sleep_for(20ms);
  }
  ASSERT_FALSE(cid.empty());
  ASSERT_TRUE(accept_as_admin(cid));
  for (auto* text : {"Yes, in 3 days.", "Anything else?"}) {
    auto r = http().request("POST", api("/conversations/" + cid + "/messages"), json{{"client_msg_id", text}, {"text", text}}, admin_token_);
    ASSERT_EQ(r.status, 201) << r.describe();
  }
  auto note = http().request("POST", api("/conversations/" + cid + "/messages"),
                             json{{"client_msg_id", "note"}, {"text", "internal only"}, {"private", true}}, admin_token_);
  ASSERT_EQ(note.status, 201);
  // While the first reply waits out its backoff, /metrics shows the outbox's backlog.
  auto backlog = [&] {
    auto m = http().get("/metrics").raw_body;
    auto at = m.find("\nswitchboard_channel_backlog_requests ");
    return at == std::string::npos ? -1.0 : std::stod(m.substr(at + 38));
  };
  ASSERT_TRUE(graph.wait_for(1, 15s));
  EXPECT_GE(backlog(), 1.0);
  ASSERT_TRUE(graph.wait_for(3, 15s)) << graph.count();
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(backlog(), 0.0);
  auto reqs = graph.requests();
  ASSERT_EQ(reqs.size(), 3u);  // the first failed once; the note never left
  std::vector<std::string> texts;
  for (auto& q : reqs) {
    EXPECT_EQ(q.target, "/v21.0/17841400000000001/messages");
    EXPECT_EQ(q.header("authorization"), "Bearer page-token-abc");
    auto j = json::parse(q.body);
    EXPECT_EQ(j["recipient"]["id"], "5544332211");
    texts.push_back(j["message"]["text"]);
  }
  EXPECT_EQ(texts, (std::vector<std::string>{"Yes, in 3 days.", "Yes, in 3 days.", "Anything else?"}));
}

TEST_F(Instagram, ForgedOrUnsignedEvents_AreRefusedAndChangeNothing) {
  link();
  auto body = event("m_1", "forged");
  EXPECT_EQ(post_event(body, meta_signature("not-the-secret", body)).status, 403);
  EXPECT_EQ(post_event(body, "").status, 403);
  EXPECT_EQ(post_event(body, meta_signature(secret_, body + " ")).status, 403);
  std::this_thread::sleep_for(200ms);
  EXPECT_TRUE(http().get(api("/queue"), admin_token_).body["items"].empty());
  // Linking: admins only, checked, secrets never shown.
  auto view = http().get(api("/channels/instagram"), admin_token_);
  EXPECT_EQ(view.raw_body.find(secret_), std::string::npos);
  EXPECT_EQ(view.body["app_secret_set"], true);
  auto agent = create_agent("agent@switchboard.test");
  EXPECT_EQ(http().get(api("/channels/instagram"), agent).status, 403);
  auto bad = http().request("PUT", api("/channels/instagram"),
                            json{{"account_id", "17841400000000001"}, {"site_key", "wk_not_ours"}, {"verify_token", "verify-me-please"}},
                            admin_token_);
  EXPECT_EQ(bad.status, 400) << bad.describe();
}

}  // namespace
}  // namespace switchboard::integration
