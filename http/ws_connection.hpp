#pragma once
// ws_connection: the protocol side of one WebSocket (visitor or agent), with no Beast in it:
// it parses and validates frames, turns them into commands for chat_service, and renders the
// answers. The socket side (ws_session) gives it a ws_transport.
//
// Threads: on_text/on_close run on the session strand. deliver() runs on CAF threads and hops
// to the strand through the transport; all connection state is touched only on the strand.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "actors/frame_sink.hpp"
#include "http/app.hpp"

namespace sb::http {

class ws_transport {
 public:
  virtual ~ws_transport() = default;
  // strand only. Frames count toward the socket's backlog bound unless `bounded` is false: a
  // resume replays stored frames already held in memory, and must not trip the bound that
  // protects against a peer that stops reading live traffic.
  virtual void send(std::shared_ptr<const std::string> frame, bool bounded = true) = 0;
  virtual void dispatch(std::function<void()> fn) = 0;              // any thread -> strand
  virtual void close(std::uint16_t code, std::string reason) = 0;   // strand only
  // strand only: close(code, reason) at `when` unless closed before (a staff token's expiry).
  virtual void close_at(std::chrono::system_clock::time_point when, std::uint16_t code,
                        std::string reason) = 0;
};

class ws_connection : public frame_sink, public std::enable_shared_from_this<ws_connection> {
 public:
  enum class kind { visitor, agent };
  // For visitors, `site_key` and `workspace_id` come from the widget checked at the upgrade.
  ws_connection(app& a, kind k, std::weak_ptr<ws_transport> transport, std::string site_key = {},
                std::string workspace_id = {});

  ~ws_connection() override;

  void on_text(std::string_view text);
  // The client's address (the peer, or X-Forwarded-For from a trusted proxy): for GeoIP.
  void set_client(std::string remote_ip, std::string forwarded_for);
  void on_close();
  bool greeted() const { return greeted_; }

  void deliver(const std::string& conversation_id, std::uint64_t seq,
               std::shared_ptr<const std::string> frame, bool backlog = false) override;
  void push(std::shared_ptr<const std::string> frame) override;
  bool is_visitor() const override { return kind_ == kind::visitor; }

 private:
  void handle_text(std::string_view text);
  void send(std::string frame);
  void send_error(errc code, const std::string& message, const std::string& ref = {});
  void on_hello_visitor(const nlohmann::json& f);
  void on_hello_agent(const nlohmann::json& f);
  void on_visitor_frame(const std::string& type, const nlohmann::json& f);
  void on_agent_frame(const std::string& type, const nlohmann::json& f);
  // Visitor extras (ws_visitor.cpp): the visit, identify, open, business hours.
  void visitor_greeted(nlohmann::json& welcome);
  void on_identify(const nlohmann::json& f);
  void on_open(const nlohmann::json& f);
  std::string offline_message() const;  // "" while the widget is within its business hours
  void on_watch_stats(const nlohmann::json& f);
  void subscribe(const std::string& conversation_id, std::uint64_t after_seq,
                 std::function<void(const failure&, const std::string& info_json)> then);
  bool allow_frame();
  // Runs `fn` on the strand if the connection is still alive.
  template <class F>
  void on_strand(F fn);

  app& app_;
  kind kind_;
  std::weak_ptr<ws_transport> transport_;
  std::string site_key_;
  std::string workspace_id_;
  bool greeted_ = false;
  std::uint64_t staff_handle_ = 0;  // registration in app.staff (agent sockets), 0 if none
  bool joined_router_ = false;      // an agent socket the workspace router knows
  bool counted_visit_ = false;      // a visitor socket the visitor directory counts as online
  bool watching_stats_ = false;
  std::string remote_ip_;
  std::string forwarded_for_;
  bool hello_pending_ = false;
  conversation::principal who_;
  std::vector<std::string> held_;  // frames that came while the hello was being answered
  std::string visitor_conversation_;  // the visitor's current conversation, if any
  std::unordered_map<std::string, std::uint64_t> last_seq_;  // per watched conversation
  // Seq-less frames (queue_position) of a visitor's new conversation that came before its ack.
  std::vector<std::pair<std::string, std::shared_ptr<const std::string>>> early_;
  void send_early(const std::string& conversation_id);
  double tokens_ = 0;
  std::chrono::steady_clock::time_point refill_ = std::chrono::steady_clock::now();
};

template <class F>
void ws_connection::on_strand(F fn) {
  auto t = transport_.lock();
  if (!t) return;
  t->dispatch([w = weak_from_this(), fn = std::move(fn)]() mutable {
    if (auto self = w.lock()) fn(*self);
  });
}

}  // namespace sb::http
