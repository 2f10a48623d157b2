// Tenant isolation, table-driven: a second workspace (made with `switchboard add-workspace`)
// tries every endpoint and frame with the first workspace's ids and gets 404 / not_found,
// never data, and changes nothing.
#include <gtest/gtest.h>

#include <cstdlib>

#include "tests/integration/support/server_fixture.hpp"

namespace switchboard::integration {
namespace {

class TenantIsolation : public server_fixture {
 protected:
  void SetUp() override {
    server_fixture::SetUp();
    if (HasFatalFailure()) return;
    // A's things: a conversation with a visitor, an agent, a canned reply.
    visitor_ = connect_visitor();
    ASSERT_TRUE(visitor_);
    cid_ = open_conversation(*visitor_);
    ASSERT_FALSE(cid_.empty());
    visitor_id_ = id_of(visitor_->welcome()["visitor_id"]);
    agent_token_ = create_agent("agent-a@switchboard.test", "Agent A");
    agent_id_ = id_of(http().get(api("/me"), agent_token_).body["id"]);
    auto c = http().post(api("/canned"), {{"shortcut", "hi"}, {"text", "Hello"}}, admin_token_);
    ASSERT_EQ(c.status, 201) << c.describe();
    canned_id_ = id_of(c.body["id"]);
    auto fl = http().post(api("/flows"), flow_def(), admin_token_);
    ASSERT_EQ(fl.status, 201) << fl.describe();
    flow_id_ = id_of(fl.body["id"]);
    auto wh = http().post(api("/webhooks"), {{"url", "https://hooks.example.com/a"}}, admin_token_);
    ASSERT_EQ(wh.status, 201) << wh.describe();
    webhook_id_ = id_of(wh.body["id"]);
    // B: another tenant on the same server.
    ASSERT_EQ(server_->stop_term(), 0);
    std::string cmd = server_->binary() + " add-workspace --data-dir " + server_->data_dir() +
                      " --admin-email admin-b@switchboard.test --admin-password other-password-9"
                      " --workspace-name B > /dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    ASSERT_TRUE(restart_server());
    token_b_ = login("admin-b@switchboard.test", "other-password-9");
    ASSERT_FALSE(token_b_.empty());
  }

  std::unique_ptr<chat_peer> visitor_;
  static json flow_def() {
    return {{"name", "A's bot"},
            {"start", "hi"},
            {"nodes", {{{"id", "hi"}, {"type", "message"}, {"text", "Hello from A"}}}}};
  }
  std::string cid_, visitor_id_, agent_token_, agent_id_, canned_id_, flow_id_, webhook_id_, token_b_;
};

TEST_F(TenantIsolation, EveryEndpointWithAnotherWorkspacesIds_Is404AndChangesNothing) {
  struct call {
    const char* method;
    std::string path;
    std::optional<json> body;
  };
  const std::vector<call> calls = {
      {"GET", "/conversations/" + cid_, std::nullopt},
      {"GET", "/conversations/" + cid_ + "/messages", std::nullopt},
      {"POST", "/conversations/" + cid_ + "/messages", json{{"client_msg_id", "x"}, {"text", "leak?"}}},
      {"POST", "/conversations/" + cid_ + "/messages", json{{"client_msg_id", "y"}, {"text", "note"}, {"private", true}}},
      {"POST", "/conversations/" + cid_ + "/accept", json::object()},
      {"POST", "/conversations/" + cid_ + "/close", json::object()},
      {"POST", "/conversations/" + cid_ + "/escalate", json::object()},
      {"POST", "/conversations/" + cid_ + "/transfer", json{{"to_user_id", agent_id_}}},
      {"PUT", "/conversations/" + cid_ + "/labels", json{{"labels", {"stolen"}}}},
      {"GET", "/widgets/" + site_key_, std::nullopt},
      {"PATCH", "/widgets/" + site_key_, json{{"title", "pwned"}}},
      {"DELETE", "/widgets/" + site_key_, std::nullopt},
      {"PATCH", "/users/" + agent_id_, json{{"name", "pwned"}}},
      {"DELETE", "/users/" + agent_id_, std::nullopt},
      {"PATCH", "/canned/" + canned_id_, json{{"text", "pwned"}}},
      {"DELETE", "/canned/" + canned_id_, std::nullopt},
      {"GET", "/visitors/" + visitor_id_, std::nullopt},
      {"GET", "/flows/" + flow_id_, std::nullopt},
      {"PUT", "/flows/" + flow_id_, flow_def()},
      {"DELETE", "/flows/" + flow_id_, std::nullopt},
      {"POST", "/flows/" + flow_id_ + "/simulate", json::object()},
      {"GET", "/webhooks/" + webhook_id_, std::nullopt},
      {"PATCH", "/webhooks/" + webhook_id_, json{{"url", "https://evil.example/steal"}}},
      {"DELETE", "/webhooks/" + webhook_id_, std::nullopt},
      {"POST", "/webhooks/" + webhook_id_ + "/rotate_secret", json::object()},
      {"GET", "/webhooks/" + webhook_id_ + "/deliveries", std::nullopt},
      {"POST", "/webhooks/" + webhook_id_ + "/deliveries/evt_1/redeliver", json::object()},
  };
  for (auto& c : calls) {
    auto r = http().request(c.method, api(c.path), c.body, token_b_);
    EXPECT_EQ(r.status, 404) << c.method << " " << c.path << ": " << r.describe();
    EXPECT_EQ(r.raw_body.find("Hello, is anyone there?"), std::string::npos) << "data leaked: " << r.raw_body;
  }
  // B's own lists show nothing of A.
  for (auto* path : {"/conversations", "/queue", "/visitors", "/canned", "/widgets", "/flows", "/webhooks"}) {
    auto r = http().get(api(path), token_b_);
    ASSERT_EQ(r.status, 200) << path << ": " << r.describe();
    EXPECT_TRUE(r.body["items"].empty()) << path << ": " << r.describe();
  }
  auto users = http().get(api("/users"), token_b_);
  ASSERT_EQ(users.body["items"].size(), 1u) << users.describe();
  auto o = http().get(api("/stats/overview"), token_b_);
  EXPECT_EQ(o.body["conversations"], 0) << o.describe();
  // Nothing of A changed.
  auto conv = http().get(api("/conversations/" + cid_), admin_token_);
  ASSERT_EQ(conv.status, 200);
  EXPECT_EQ(conv.body["status"], "waiting");
  EXPECT_TRUE(conv.body["labels"].empty());
  EXPECT_EQ(http().get(api("/widgets/" + site_key_), admin_token_).body["title"], "Chat with us");
  EXPECT_EQ(http().get(api("/canned"), admin_token_).body["items"][0]["text"], "Hello");
  auto flow = http().get(api("/flows/" + flow_id_), admin_token_);
  EXPECT_EQ(flow.body["version"], 1) << flow.describe();
  auto hook = http().get(api("/webhooks/" + webhook_id_), admin_token_);
  EXPECT_EQ(hook.body["url"], "https://hooks.example.com/a") << hook.describe();
  // B may not put A's flow on its own widget either.
  auto bw = http().post(api("/widgets"), json{{"name", "B site"}, {"bot_flow_id", flow_id_}}, token_b_);
  EXPECT_EQ(bw.status, 400) << bw.describe();
  auto msgs = full_history(cid_);
  ASSERT_TRUE(msgs);
  EXPECT_EQ(msgs->size(), 1u);
}

TEST_F(TenantIsolation, EveryAgentFrameWithAnotherWorkspacesConversation_IsNotFound) {
  auto b = connect_agent(token_b_, "agent-b");
  ASSERT_TRUE(b);
  const std::vector<json> frames = {
      {{"type", "subscribe"}, {"conversation_id", cid_}, {"after_seq", 0}, {"id", "f1"}},
      {{"type", "message"}, {"conversation_id", cid_}, {"client_msg_id", "f2"}, {"text", "leak?"}},
      {{"type", "message"}, {"conversation_id", cid_}, {"client_msg_id", "f3"}, {"text", "n"}, {"private", true}},
      {{"type", "accept"}, {"conversation_id", cid_}, {"client_msg_id", "f4"}},
      {{"type", "close"}, {"conversation_id", cid_}, {"client_msg_id", "f5"}},
      {{"type", "read"}, {"conversation_id", cid_}, {"seq", 1}, {"client_msg_id", "f6"}},
      {{"type", "transfer"}, {"conversation_id", cid_}, {"to_user_id", agent_id_}, {"client_msg_id", "f7"}},
  };
  for (auto& f : frames) {
    ASSERT_TRUE(b->send(f));
    auto e = b->next(is_type("error"));
    ASSERT_TRUE(e) << f.dump() << "\n" << b->describe();
    EXPECT_EQ((*e)["code"], "not_found") << f.dump() << " -> " << e->dump();
  }
  b->send({{"type", "typing"}, {"conversation_id", cid_}, {"on", true}});
  b->settle();
  for (auto& f : b->received()) {
    EXPECT_NE(f.value("type", ""), "message") << "B saw A's message: " << f.dump();
    EXPECT_NE(f.value("type", ""), "status") << f.dump();
    if (f.value("type", "") == "queue") {
      EXPECT_TRUE(f["waiting"].empty()) << f.dump();
    }
  }
  EXPECT_TRUE(b->welcome()["conversations"].empty()) << b->welcome().dump();
  EXPECT_TRUE(b->welcome()["queue"]["waiting"].empty()) << b->welcome().dump();
  auto conv = http().get(api("/conversations/" + cid_), admin_token_);
  EXPECT_EQ(conv.body["status"], "waiting") << conv.describe();
}

TEST_F(TenantIsolation, AVisitorTokenOfOneWorkspace_DoesNotOpenAnother) {
  auto w = http().post(api("/widgets"), json::object(), token_b_);
  ASSERT_EQ(w.status, 201) << w.describe();
  auto other = connect_visitor({{"type", "hello"}, {"visitor_token", visitor_->welcome()["visitor_token"]},
                                {"resume", {{"conversation_id", cid_}, {"after_seq", 0}}}},
                               "cross");
  ASSERT_TRUE(other);  // on A's widget: same visitor, fine
  auto ws = std::make_unique<ws_client>();
  ASSERT_TRUE(ws->connect(server_->port(), visitor_path(id_of(w.body["site_key"]))));
  chat_peer b_visitor("b-visitor", std::move(ws));
  b_visitor.send({{"type", "hello"}, {"visitor_token", visitor_->welcome()["visitor_token"]},
                  {"resume", {{"conversation_id", cid_}, {"after_seq", 0}}}});
  auto welcome = b_visitor.next(is_type("welcome"));
  ASSERT_TRUE(welcome) << b_visitor.describe();
  EXPECT_NE(id_of((*welcome)["visitor_id"]), visitor_id_) << "A's token must not be B's visitor";
  EXPECT_TRUE((*welcome)["conversation"].is_null()) << welcome->dump();
  b_visitor.settle();
  for (auto& f : b_visitor.received()) EXPECT_NE(f.value("type", ""), "message") << f.dump();
}

}  // namespace
}  // namespace switchboard::integration
