#pragma once
// One visitor socket + one agent socket watching the visitor's conversation: the unit of load
// in closed and open mode. Everything a pair owns lives on its strand; the controller only
// reads its atomics and posts to it. loadgen_pair_session.cpp holds its life (setup, sync, the
// sending schedule), loadgen_pair_traffic.cpp the per-message hot path (send, read, bookkeeping).
#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "benchmarks/loadgen_run.hpp"

namespace sb::loadgen {

struct message_record {
  int64_t sent_ns = 0;  // actual send (closed loop) or scheduled send (open loop)
  int64_t wire_ns = 0;  // when the frame was handed to the socket (for --trace)
  int64_t ack_ns = 0;
  int64_t deliver_ns = 0;
  int64_t ack_seq = 0;
  uint16_t acks = 0;
  uint16_t deliveries = 0;
  bool rejected = false;  // the server answered with an error frame referencing it
  bool done = false;      // left the window: acked and delivered, or rejected
};

class pair_session : public std::enable_shared_from_this<pair_session> {
 public:
  pair_session(net::io_context& ioc, int index, const options& opt);

  // The whole life of the pair, on its strand.
  net::awaitable<void> lifecycle();

  const strand_type& strand() const { return strand_; }

  // Called from the controller (any thread).
  void sync();
  void go();
  void request_close();

  // Read by the controller.
  std::atomic<bool> setup_finished{false};
  std::atomic<bool> ready{false};
  std::atomic<bool> synced{false};
  std::atomic<bool> writer_done{false};
  std::atomic<bool> finished{false};
  std::atomic<int64_t> outstanding{0};

  // Read on the main thread after the io_context stopped.
  std::vector<message_record> messages;
  uint64_t agent_duplicate_frames = 0;
  uint64_t visitor_duplicate_frames = 0;
  uint64_t duplicate_acks = 0;
  uint64_t seq_gaps = 0;
  uint64_t foreign_frames = 0;
  uint64_t echo_before_ack = 0;

 private:
  // loadgen_pair_session.cpp
  net::awaitable<void> wait_wake(clock_type::time_point until);
  net::awaitable<void> setup();
  net::awaitable<void> sync_sockets();
  net::awaitable<void> run_closed();
  net::awaitable<void> run_open();
  void mark_dead(const char* what, const beast::error_code& ec);

  // loadgen_pair_traffic.cpp
  net::awaitable<void> send_message(int64_t sent_ns);
  void complete(message_record& rec);
  message_record* own_record(std::string_view client_msg_id);
  bool check_seq(int64_t seq, int64_t& last, uint64_t& duplicates);
  void on_error_frame(const json& j, const char* who);
  net::awaitable<void> visitor_reader();
  void on_visitor_frame(std::string_view text, int64_t t);
  void on_visitor_ack(std::string_view client_msg_id, int64_t seq, int64_t t);
  void on_visitor_event(std::string_view type, std::string_view conversation_id, int64_t seq,
                        std::string_view client_msg_id);
  net::awaitable<void> agent_reader();
  void on_agent_frame(std::string_view text, int64_t t);
  void on_agent_event(std::string_view type, std::string_view conversation_id, int64_t seq,
                      std::string_view client_msg_id, int64_t t);

  const options& opt_;
  const int index_;
  strand_type strand_;
  ws_stream visitor_;
  ws_stream agent_;
  net::steady_timer wake_;   // lifecycle waits (go, window space, close)
  net::steady_timer timer_;  // open-loop schedule
  beast::flat_buffer vbuf_;
  beast::flat_buffer abuf_;
  std::string conversation_id_;
  json conversation_json_;  // as the server sent it, echoed back in subscribe/accept
  int64_t visitor_last_seq_ = 0;
  int64_t agent_last_seq_ = 0;
  int window_used_ = 0;
  bool sync_requested_ = false;
  bool agent_synced_ = false;
  bool visitor_synced_ = false;
  bool go_ = false;
  bool close_requested_ = false;
  bool closing_ = false;
  bool dead_ = false;
};

}  // namespace sb::loadgen
