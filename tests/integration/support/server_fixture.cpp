#include "tests/integration/support/server_fixture.hpp"

#include <thread>

namespace switchboard::integration {
using clock_type = std::chrono::steady_clock;

void server_fixture::SetUp() {
  server_options options;
  options.extra_args = extra_server_args_;
  server_ = std::make_unique<server_process>(options);
  try {
    server_->start();
  } catch (const std::exception& e) {
    FAIL() << e.what();
  }
  ASSERT_TRUE(wait_ready()) << "/readyz never answered 200 after start";

  const auto& opts = server_->options();
  auto res = http().post(api("/auth/login"),
                         {{"email", opts.admin_email}, {"password", opts.admin_password}});
  ASSERT_EQ(res.status, 200) << "admin login: " << res.describe();
  ASSERT_TRUE(res.body.is_object() && res.body.contains("token")) << res.describe();
  admin_token_ = id_of(res.body["token"]);
  admin_user_ = res.body.value("user", json());

  res = http().post(api("/widgets"), {{"name", "Integration test widget"}}, admin_token_);
  ASSERT_EQ(res.status, 201) << "create widget: " << res.describe();
  ASSERT_TRUE(res.body.is_object() && res.body.contains("site_key")) << res.describe();
  site_key_ = id_of(res.body["site_key"]);
}

std::string server_fixture::visitor_path(const std::string& site_key) const {
  return "/ws/visitor?site_key=" + url_encode(site_key.empty() ? site_key_ : site_key);
}

std::string server_fixture::login(const std::string& email, const std::string& password) {
  auto res = http().post(api("/auth/login"), {{"email", email}, {"password", password}});
  if (res.status != 200 || !res.body.is_object() || !res.body.contains("token")) {
    ADD_FAILURE() << "login as " << email << ": " << res.describe();
    return {};
  }
  return id_of(res.body["token"]);
}

std::string server_fixture::create_agent(const std::string& email, const std::string& name) {
  const std::string password = "agent-password-42";
  auto res = http().post(
      api("/users"), {{"email", email}, {"password", password}, {"name", name}, {"role", "agent"}},
      admin_token_);
  if (res.status != 201) {
    ADD_FAILURE() << "create agent " << email << ": " << res.describe();
    return {};
  }
  return login(email, password);
}

std::unique_ptr<chat_peer> server_fixture::connect_visitor(const json& hello,
                                                           const std::string& name) {
  auto ws = std::make_unique<ws_client>();
  if (!ws->connect(server_->port(), visitor_path())) {
    ADD_FAILURE() << name << ": cannot open the visitor socket: " << ws->last_error();
    return nullptr;
  }
  auto peer = std::make_unique<chat_peer>(name, std::move(ws));
  if (!peer->send(hello)) {
    ADD_FAILURE() << name << ": cannot send hello: " << peer->ws().last_error();
    return nullptr;
  }
  auto welcome = peer->next(is_type("welcome"));
  if (!welcome) {
    ADD_FAILURE() << name << ": no welcome after " << hello.dump() << "\n" << peer->describe();
    return nullptr;
  }
  peer->set_welcome(*welcome);
  return peer;
}

std::unique_ptr<chat_peer> server_fixture::connect_agent(const std::string& token,
                                                         const std::string& name) {
  auto ws = std::make_unique<ws_client>();
  if (!ws->connect(server_->port(), "/ws/agent")) {
    ADD_FAILURE() << name << ": cannot open the agent socket: " << ws->last_error();
    return nullptr;
  }
  auto peer = std::make_unique<chat_peer>(name, std::move(ws));
  if (!peer->send({{"type", "hello"}, {"token", token}})) {
    ADD_FAILURE() << name << ": cannot send hello: " << peer->ws().last_error();
    return nullptr;
  }
  auto welcome = peer->next(is_type("welcome"));
  if (!welcome) {
    ADD_FAILURE() << name << ": no welcome\n" << peer->describe();
    return nullptr;
  }
  peer->set_welcome(*welcome);
  return peer;
}

std::optional<json> server_fixture::send_message(chat_peer& peer, const std::string& client_msg_id,
                                                 const std::string& text,
                                                 const std::string& conversation_id) {
  json frame = {{"type", "message"}, {"client_msg_id", client_msg_id}, {"text", text}};
  if (!conversation_id.empty()) frame["conversation_id"] = conversation_id;
  if (!peer.send(frame)) {
    ADD_FAILURE() << peer.name() << ": cannot send " << client_msg_id << ": "
                  << peer.ws().last_error();
    return std::nullopt;
  }
  auto reply = peer.next(is_reply_to(client_msg_id));
  if (!reply) {
    ADD_FAILURE() << peer.name() << ": no ack for " << client_msg_id << "\n" << peer.describe();
  }
  return reply;
}

std::string server_fixture::open_conversation(chat_peer& visitor, const std::string& client_msg_id,
                                              const std::string& text) {
  auto ack = send_message(visitor, client_msg_id, text);
  if (!ack) return {};
  if (str_of(*ack, "type") != "ack" || str_of(*ack, "conversation_id").empty()) {
    ADD_FAILURE() << visitor.name() << ": expected an ack with a conversation_id, got "
                  << ack->dump();
    return {};
  }
  return str_of(*ack, "conversation_id");
}

bool server_fixture::accept_as_admin(const std::string& conversation_id) {
  auto res = http().post(api("/conversations/" + url_encode(conversation_id) + "/accept"),
                         json::object(), admin_token_);
  if (res.status == 200) return true;
  ADD_FAILURE() << "accept " << conversation_id << ": " << res.describe();
  return false;
}

std::string server_fixture::wait_for_status(const std::string& conversation_id, const std::string& status,
                                            std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string seen;
  for (;;) {
    auto c = http().get(api("/conversations/" + url_encode(conversation_id)), admin_token_);
    seen = c.status == 200 ? c.body.value("status", "") : "";
    if (seen == status || std::chrono::steady_clock::now() >= deadline) return seen;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::optional<std::vector<json>> server_fixture::history_when(
    const std::string& conversation_id, const std::function<bool(const std::vector<json>&)>& done,
    std::chrono::milliseconds wait) {
  auto deadline = std::chrono::steady_clock::now() + wait;
  do {
    auto first = http().get(api("/conversations/" + url_encode(conversation_id) + "/messages?after_seq=0&limit=1"),
                            admin_token_);
    if (first.status == 200)
      if (auto h = full_history(conversation_id); h && done(*h)) return h;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  } while (std::chrono::steady_clock::now() < deadline);
  return std::nullopt;
}

std::optional<std::vector<json>> server_fixture::full_history(const std::string& conversation_id,
                                                              std::optional<int64_t> min_position) {
  std::vector<json> items;
  int64_t after = 0;
  for (int page = 0; page < 10000; ++page) {
    std::string target = api("/conversations/" + url_encode(conversation_id) +
                             "/messages?after_seq=" + std::to_string(after) + "&limit=200");
    if (min_position) target += "&min_position=" + std::to_string(*min_position);
    auto res = http().get(target, admin_token_);
    if (res.status != 200 || !res.body.is_object() || !res.body["items"].is_array()) {
      ADD_FAILURE() << "GET " << target << ": " << res.describe();
      return std::nullopt;
    }
    const auto& page_items = res.body["items"];
    if (page_items.empty()) return items;
    const int64_t last = seq_of(page_items.back());
    if (last <= after) {
      ADD_FAILURE() << "GET " << target << " did not advance past seq " << after << ": "
                    << res.describe();
      return std::nullopt;
    }
    for (const auto& item : page_items) items.push_back(item);
    after = last;
  }
  ADD_FAILURE() << "paging " << conversation_id << " never ended";
  return std::nullopt;
}

bool server_fixture::wait_ready(std::chrono::milliseconds timeout) {
  const auto deadline = clock_type::now() + timeout;
  http_response res;
  while (clock_type::now() < deadline) {
    res = http_client(server_->port(), "127.0.0.1", std::chrono::seconds(2)).get("/readyz");
    if (res.status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ADD_FAILURE() << "/readyz: " << res.describe();
  return false;
}

bool server_fixture::restart_server() {
  try {
    server_->restart();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "restart: " << e.what();
    return false;
  }
  return wait_ready();
}

::testing::AssertionResult seqs_are_consecutive(const std::vector<int64_t>& seqs, int64_t first) {
  for (size_t i = 0; i < seqs.size(); ++i) {
    if (seqs[i] != first + static_cast<int64_t>(i)) {
      return ::testing::AssertionFailure()
             << "expected seqs " << first << ", " << first + 1 << ", ... without gap or "
             << "duplicate; got " << seqs_to_string(seqs) << " (first break at index " << i << ")";
    }
  }
  return ::testing::AssertionSuccess();
}

std::string seqs_to_string(const std::vector<int64_t>& seqs) {
  std::string out = "[";
  for (size_t i = 0; i < seqs.size(); ++i) {
    if (i > 0) out += ",";
    if (seqs.size() > 60 && i == 30) {
      out += "...(" + std::to_string(seqs.size() - 60) + " more)...";
      i = seqs.size() - 30;
    }
    out += std::to_string(seqs[i]);
  }
  return out + "]";
}

}  // namespace switchboard::integration
