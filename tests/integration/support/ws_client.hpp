#pragma once

// ws_client: a synchronous WebSocket client for integration tests, with every wait bounded.
//
// One read is kept outstanding in the background of a private io_context, which only runs
// inside this object's calls. So a recv that times out leaves the connection intact, frames
// that arrive while sending are queued, and a close frame from the server is recorded as soon
// as it is read: recv_* then return nullopt and close_code() tells the code.
// Beast stays in ws_client.cpp (pimpl) so test TUs compile fast. Not thread-safe: one thread
// per client (different clients may live on different threads).

#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace switchboard::integration {

class ws_client {
 public:
  ws_client();
  ~ws_client();
  ws_client(const ws_client&) = delete;
  ws_client& operator=(const ws_client&) = delete;

  // Connects to 127.0.0.1:port and upgrades `target` (e.g. "/ws/agent") sending `origin` as
  // the Origin header (empty: none). False on failure: see last_error() and handshake_status().
  bool connect(uint16_t port, std::string_view target, std::string_view origin = "http://localhost",
               std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // HTTP status of the upgrade answer: 101 when connected, e.g. 404 when the server refused the
  // upgrade, 0 when no answer arrived.
  int handshake_status() const;

  // Each returns false if the frame could not be written within the timeout.
  bool send_json(const nlohmann::json& frame,
                 std::chrono::milliseconds timeout = std::chrono::seconds(5));
  bool send_text(std::string_view text,
                 std::chrono::milliseconds timeout = std::chrono::seconds(5));
  bool send_binary(std::string_view data,
                   std::chrono::milliseconds timeout = std::chrono::seconds(5));

  // The next frame from the server, or nullopt on timeout or once the connection is closed and
  // every queued frame has been returned. A text frame that is not JSON comes back as
  // {"type":"<not json>","raw":...} and a binary frame as {"type":"<binary>","raw":...} so a
  // test sees what went wrong.
  std::optional<nlohmann::json> recv_json(
      std::chrono::milliseconds timeout = std::chrono::seconds(5));
  std::optional<std::string> recv_text(std::chrono::milliseconds timeout = std::chrono::seconds(5));

  // Waits up to `timeout` for the server to close the connection (frames arriving meanwhile are
  // discarded). True once closed.
  bool wait_closed(std::chrono::milliseconds timeout = std::chrono::seconds(5));

  bool is_open() const;
  // The code of the server's close frame once one was received (1000, 1009, 4401, ...).
  std::optional<int> close_code() const;
  std::string close_reason() const;
  // Why the connection failed or ended, for assertion messages.
  std::string last_error() const;

  // Client-initiated normal close (code 1000), bounded by `timeout`, then the socket is dropped.
  void close(std::chrono::milliseconds timeout = std::chrono::seconds(2));
  // Drops the TCP connection without a close handshake.
  void abort();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace switchboard::integration
