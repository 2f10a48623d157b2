#pragma once

// server_fixture: the GoogleTest fixture of the integration tests. Each test gets its own
// switchboard process on a fresh data directory, an admin token and a widget (site_key), plus
// helpers to open visitor/agent sockets and to read a conversation's history over HTTP.
// Helpers report problems with ADD_FAILURE and return an empty value, so a test can ASSERT on
// what they return.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tests/integration/support/chat_peer.hpp"
#include "tests/integration/support/http_client.hpp"
#include "tests/integration/support/server_process.hpp"
#include "tests/integration/support/ws_client.hpp"

namespace switchboard::integration {

class server_fixture : public ::testing::Test {
 protected:
  void SetUp() override;

  http_client http() const { return http_client(server_->port()); }
  static std::string api(const std::string& path) { return "/api/v1" + path; }
  std::string visitor_path(const std::string& site_key = "") const;

  // POST /auth/login; the token, or "" after ADD_FAILURE.
  std::string login(const std::string& email, const std::string& password);
  // Creates an agent (as admin) and logs in as it; its token, or "".
  std::string create_agent(const std::string& email, const std::string& name = "Agent Smith");

  // Opens a visitor socket, sends `hello` and waits for welcome; nullptr after ADD_FAILURE.
  std::unique_ptr<chat_peer> connect_visitor(const json& hello = {{"type", "hello"}},
                                             const std::string& name = "visitor");
  // Opens an agent socket, sends hello {token} and waits for welcome; nullptr after ADD_FAILURE.
  std::unique_ptr<chat_peer> connect_agent(const std::string& token,
                                           const std::string& name = "agent");

  // Sends a message frame (client_msg_id/text [+conversation_id]) and waits for the frame that
  // answers it: its ack or an error with ref = client_msg_id. nullopt after ADD_FAILURE.
  std::optional<json> send_message(chat_peer& peer, const std::string& client_msg_id,
                                   const std::string& text,
                                   const std::string& conversation_id = "");
  // A visitor's first message: returns the new conversation id (from its ack), or "".
  std::string open_conversation(chat_peer& visitor, const std::string& client_msg_id = "v1",
                                const std::string& text = "Hello, is anyone there?");

  // POST /conversations/{id}/accept as the admin; false after ADD_FAILURE unless it answers 200.
  bool accept_as_admin(const std::string& conversation_id);
  // Polls GET /conversations/{id} (the read model lags the log) until its status is `status`
  // or `timeout` passes; returns the last status seen ("" if none).
  std::string wait_for_status(const std::string& conversation_id, const std::string& status,
                              std::chrono::milliseconds timeout = std::chrono::seconds(8));

  // Every item of GET /conversations/{id}/messages, paging with after_seq (limit 200).
  // nullopt after ADD_FAILURE if a page fails or paging does not advance.
  std::optional<std::vector<json>> full_history(const std::string& conversation_id,
                                                std::optional<int64_t> min_position = {});
  // Polls the history read model (it may lag the log) until `done` holds for the whole history,
  // then returns it; nullopt when `wait` passes first. An unknown conversation (404: not folded
  // yet) counts as not done, not as a failure.
  std::optional<std::vector<json>> history_when(const std::string& conversation_id,
                                                const std::function<bool(const std::vector<json>&)>& done,
                                                std::chrono::milliseconds wait = std::chrono::seconds(10));
  // Polls GET /readyz until 200.
  bool wait_ready(std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // restart() on the same data dir and wait_ready(); false after ADD_FAILURE.
  bool restart_server();

  // Extra server flags; a derived fixture sets them in its constructor.
  std::vector<std::string> extra_server_args_;
  std::unique_ptr<server_process> server_;
  std::string admin_token_;
  json admin_user_;
  std::string site_key_;
};

// seqs == first, first+1, first+2, ...
::testing::AssertionResult seqs_are_consecutive(const std::vector<int64_t>& seqs, int64_t first);
std::string seqs_to_string(const std::vector<int64_t>& seqs);

}  // namespace switchboard::integration
