// A pair's life on its strand: setup (visitor hello, agent hello, the visitor's first message
// opens the conversation, the agent subscribes), the sync barrier, the closed or open sending
// schedule, close. The per-message hot path (send, read, bookkeeping) is in
// loadgen_pair_traffic.cpp; the socket calls here go through bench_client (not hot), so Beast's
// stream code is not compiled in this file.
#include "benchmarks/loadgen_pair_session.hpp"

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/system/system_error.hpp>
#include <stdexcept>

#include "benchmarks/loadgen_frames.hpp"

namespace sb::loadgen {

namespace {

// Frames built by plain functions, not braced json inside co_await (see loadgen_frames.hpp).
// The visitor's first message, which opens its conversation.
std::string open_frame(const std::string& client_msg_id, int pair) {
  json j = json::object();
  j["type"] = "message";
  j["client_msg_id"] = client_msg_id;
  j["text"] = "loadgen pair " + std::to_string(pair);
  return j.dump();
}

std::string conversation_frame(const char* type, const json& conversation_id) {
  json j = json::object();
  j["type"] = type;
  j["conversation_id"] = conversation_id;
  return j.dump();
}

std::string subscribe_frame(const json& conversation_id, int64_t after_seq) {
  json j = json::object();
  j["type"] = "subscribe";
  j["conversation_id"] = conversation_id;
  j["after_seq"] = after_seq;
  return j.dump();
}

}  // namespace

pair_session::pair_session(net::io_context& ioc, int index, const options& opt)
    : opt_(opt),
      index_(index),
      strand_(net::make_strand(ioc)),
      visitor_(strand_),
      agent_(strand_),
      wake_(strand_),
      timer_(strand_) {}

// The whole life of the pair, on its strand.
net::awaitable<void> pair_session::lifecycle() {
  auto self = shared_from_this();
  co_await setup();
  setup_finished.store(true);
  if (!ready.load()) {
    finished.store(true);
    co_return;
  }
  while (!sync_requested_ && !go_ && !close_requested_)
    co_await wait_wake(clock_type::time_point::max());
  if (sync_requested_ && !dead_) co_await sync_sockets();
  synced.store(true);
  while (!go_ && !close_requested_) co_await wait_wake(clock_type::time_point::max());
  if (go_ && !dead_) {
    if (opt_.mode == run_mode::closed)
      co_await run_closed();
    else
      co_await run_open();
  }
  writer_done.store(true);
  while (!close_requested_) co_await wait_wake(clock_type::time_point::max());
  closing_ = true;
  co_await close_ws(visitor_);
  co_await close_ws(agent_);
  finished.store(true);
}

// Called from the controller (any thread).
void pair_session::sync() {
  net::post(strand_, [self = shared_from_this()] {
    self->sync_requested_ = true;
    self->wake_.cancel();
  });
}

void pair_session::go() {
  net::post(strand_, [self = shared_from_this()] {
    self->go_ = true;
    self->wake_.cancel();
  });
}

void pair_session::request_close() {
  net::post(strand_, [self = shared_from_this()] {
    self->close_requested_ = true;
    self->wake_.cancel();
    self->timer_.cancel();
  });
}

net::awaitable<void> pair_session::wait_wake(clock_type::time_point until) {
  wake_.expires_at(until);
  beast::error_code ec;
  co_await wake_.async_wait(net::redirect_error(net::use_awaitable, ec));
}

net::awaitable<void> pair_session::setup() {
  const char* step = "visitor connect";
  try {
    co_await connect_ws(g_target.server, visitor_, visitor_ws_path(g_target.site_key));
    step = "visitor hello";
    co_await ws_write(visitor_, k_visitor_hello);
    co_await read_until(visitor_, vbuf_, k_welcome, 10s, frame_may_matter);

    step = "agent connect";
    co_await connect_ws(g_target.server, agent_, k_agent_target);
    step = "agent hello";
    const std::string agent_hello = agent_hello_frame(g_target.token);
    co_await ws_write(agent_, agent_hello);
    co_await read_until(agent_, abuf_, k_welcome, 10s, frame_may_matter);

    // The visitor's first message opens the conversation.
    step = "open conversation";
    const std::string open_id = "lg-" + std::to_string(index_) + "-open";
    const std::string open = open_frame(open_id, index_);
    co_await ws_write(visitor_, open);
    int64_t latest_seq = 0;
    beast::get_lowest_layer(visitor_).expires_after(10s);
    for (;;) {
      vbuf_.clear();
      const beast::error_code ec = co_await ws_read(visitor_, vbuf_);
      if (ec) throw beast::system_error(ec);  // what use_awaitable would have thrown
      std::string_view text = buffer_view(vbuf_);
      if (!frame_may_matter(text)) continue;
      json j = json::parse(text.begin(), text.end(), nullptr, false);
      if (j.is_discarded() || !j.is_object()) continue;
      std::string type = json_string(j, "type");
      if (type == "error") throw std::runtime_error(j.dump());
      if (type == "ack" && json_string(j, "client_msg_id") == open_id) {
        conversation_id_ = json_id(j, "conversation_id");
        conversation_json_ = j["conversation_id"];
        latest_seq = std::max(latest_seq, json_int(j, "seq", 0));
        break;
      }
      if (type == "message" || type == "status") {
        int64_t seq = json_int(j, "seq", 0);
        latest_seq = std::max(latest_seq, seq);
        visitor_last_seq_ = std::max(visitor_last_seq_, seq);
      }
    }
    beast::get_lowest_layer(visitor_).expires_never();
    if (conversation_id_.empty()) throw std::runtime_error("ack without conversation_id");

    step = "agent subscribe";
    agent_last_seq_ = latest_seq;
    const std::string subscribe = subscribe_frame(conversation_json_, latest_seq);
    co_await ws_write(agent_, subscribe);
    if (opt_.accept) {
      step = "agent accept";
      const std::string accept = conversation_frame("accept", conversation_json_);
      co_await ws_write(agent_, accept);
    }
  } catch (const std::exception& e) {
    g_errors.add(std::string("setup: ") + step, e.what());
    co_return;
  }
  net::co_spawn(strand_, visitor_reader(), net::detached);
  net::co_spawn(strand_, agent_reader(), net::detached);
  ready.store(true);
}

// Barrier before measuring: a ping answered on each socket means every frame the server queued
// before it (e.g. queue updates caused by the other pairs' setup) has been read.
net::awaitable<void> pair_session::sync_sockets() {
  beast::error_code ec;
  try {
    co_await ws_write(agent_, k_sync_ping);
    co_await ws_write(visitor_, k_sync_ping);
  } catch (const beast::system_error& e) {
    ec = e.code();
  }
  if (ec) {
    mark_dead("sync write", ec);
    co_return;
  }
  const auto limit = clock_type::now() + 10s;
  while (!(agent_synced_ && visitor_synced_) && !dead_ && !close_requested_ &&
         clock_type::now() < limit)
    co_await wait_wake(limit);
  if (!(agent_synced_ && visitor_synced_) && !dead_)
    g_errors.add("sync", "no pong within 10 s (server without ping support?)");
}

net::awaitable<void> pair_session::run_closed() {
  while (!dead_ && !close_requested_ && !g_stop_sending.load(std::memory_order_relaxed)) {
    const int64_t now = now_ns();
    if (now >= g_clock.measure_end_ns) break;
    if (window_used_ < opt_.window) {
      co_await send_message(now);
    } else {
      co_await wait_wake(to_time_point(g_clock.measure_end_ns));
    }
  }
}

net::awaitable<void> pair_session::run_open() {
  // Pair i sends at start + i/R + k*pairs/R: the pairs together send R/s, evenly interleaved.
  const double interval_ns = 1e9 * opt_.pairs / opt_.rate;
  const double offset_ns = 1e9 * index_ / opt_.rate;
  for (uint64_t k = 0;; ++k) {
    const int64_t scheduled =
        g_clock.start_ns + static_cast<int64_t>(offset_ns + k * interval_ns);
    if (scheduled >= g_clock.measure_end_ns) break;
    if (now_ns() < scheduled) {
      timer_.expires_at(to_time_point(scheduled));
      beast::error_code ec;
      co_await timer_.async_wait(net::redirect_error(net::use_awaitable, ec));
    }
    if (dead_ || close_requested_ || g_stop_sending.load(std::memory_order_relaxed)) break;
    co_await send_message(scheduled);  // late sends keep their scheduled time
  }
}

void pair_session::mark_dead(const char* what, const beast::error_code& ec) {
  if (!closing_ && !g_closing.load(std::memory_order_relaxed))
    g_errors.add(std::string(what), ec.message());
  dead_ = true;
  wake_.cancel();
  timer_.cancel();
}

}  // namespace sb::loadgen
