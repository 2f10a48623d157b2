// Idle mode. The sockets are not on a hot path, so they use bench_client's calls and Beast's
// stream code is not compiled in this file.
#include "benchmarks/loadgen_idle.hpp"

#include <boost/asio.hpp>
#include <iostream>
#include <memory>
#include <optional>

#include "benchmarks/loadgen_frames.hpp"

namespace sb::loadgen {

idle_counters g_idle;

// One visitor socket, held open with a pending read (Beast answers server pings).
class idle_socket : public std::enable_shared_from_this<idle_socket> {
 public:
  idle_socket(net::io_context& ioc, std::optional<net::ip::address> local)
      : local_(local), strand_(net::make_strand(ioc)), ws_(strand_) {}

  net::awaitable<void> run() {
    auto self = shared_from_this();
    bool ok = false;
    try {
      co_await connect_ws(g_target.server, ws_, visitor_ws_path(g_target.site_key), local_);
      co_await ws_write(ws_, k_visitor_hello);
      co_await read_until(ws_, buf_, k_welcome, 10s, frame_may_matter);
      ok = true;
    } catch (const std::exception& e) {
      g_errors.add("idle socket open", e.what());
    }
    g_idle.in_flight.fetch_sub(1);
    if (!ok) {
      g_idle.failed.fetch_add(1);
      co_return;
    }
    g_idle.opened.fetch_add(1);
    for (;;) {
      buf_.clear();
      const beast::error_code ec = co_await ws_read(ws_, buf_);
      if (ec) {
        if (!closing_ && !g_closing.load()) {
          g_idle.dropped.fetch_add(1);
          g_errors.add("idle socket dropped", ec.message());
        }
        break;
      }
    }
    g_idle.closed.fetch_add(1);
  }

  const strand_type& strand() const { return strand_; }

  void request_close() {
    net::post(strand_, [self = shared_from_this()] {
      if (self->closing_ || !self->ws_.is_open()) return;
      self->closing_ = true;
      net::co_spawn(self->strand_, send_close(self), net::detached);
    });
  }

 private:
  // A normal close bounded to 2 s; `self` keeps the socket alive until it is done.
  static net::awaitable<void> send_close(std::shared_ptr<idle_socket> self) {
    co_await close_ws(self->ws_);
  }

  std::optional<net::ip::address> local_;
  strand_type strand_;
  ws_stream ws_;
  beast::flat_buffer buf_;
  bool closing_ = false;
};

net::awaitable<void> run_idle(run_state* st_ptr) {
  run_state& st = *st_ptr;
  const options& opt = st.opt;
  if (opt.server_pid) {
    st.rss_before_kb = read_rss_kb(opt.server_pid);
    if (!st.rss_before_kb)
      std::cerr << "loadgen: cannot read /proc/" << opt.server_pid << "/status\n";
  }
  g_phase = "open";
  const int64_t open_start = now_ns();
  int next_report = 1;
  for (int i = 0; i < opt.sockets;) {
    if (g_idle.in_flight.load() < opt.concurrency) {
      std::optional<net::ip::address> local;
      if (opt.source_addrs > 0)
        local = net::ip::make_address_v4(0x7F000001u + static_cast<uint32_t>(i % opt.source_addrs));
      auto s = std::make_shared<idle_socket>(st.ioc, local);
      st.idle.push_back(s);
      g_idle.in_flight.fetch_add(1);
      net::co_spawn(
          s->strand(), [s]() { return s->run(); }, net::detached);
      ++i;
      continue;
    }
    co_await sleep_for(1ms);
    if (now_ns() - open_start >= next_report * k_sec) {
      std::cerr << "loadgen: opened=" << g_idle.opened.load() << " failed=" << g_idle.failed.load()
                << "\n";
      ++next_report;
    }
  }
  while (g_idle.in_flight.load() > 0) co_await sleep_for(5ms);
  std::cerr << "loadgen: opened=" << g_idle.opened.load() << " failed=" << g_idle.failed.load()
            << " in " << (now_ns() - open_start) / 1e9 << " s; holding " << opt.duration_s
            << " s\n";

  g_phase = "hold";
  co_await sleep_for(std::chrono::nanoseconds(static_cast<int64_t>(opt.duration_s * k_sec)));
  if (opt.server_pid) st.rss_after_kb = read_rss_kb(opt.server_pid);
  if (g_idle.opened.load() == 0) st.fatal = "no socket could be opened";

  g_phase = "close";
  g_closing = true;
  for (auto& s : st.idle) s->request_close();
  const int64_t close_limit = now_ns() + 3 * k_sec;
  while (g_idle.closed.load() < g_idle.opened.load() && now_ns() < close_limit)
    co_await sleep_for(10ms);
}

}  // namespace sb::loadgen
