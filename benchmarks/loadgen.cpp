// switchboard_loadgen: WebSocket load generator for Switchboard.
//
// Modes:
//   closed  each visitor/agent pair keeps --window messages outstanding (max throughput).
//   open    --rate messages/s in total on a fixed schedule; latency is measured from the
//           scheduled send time, so a slow server cannot hide its queueing (coordinated omission).
//   idle    opens --sockets visitor sockets, holds them and reports server RSS growth per socket.
//
// Threading: one io_context run by --threads threads (default 1). Everything a pair (or an idle
// socket) owns lives on that pair's strand; the controller only touches atomics and posts to
// strands. Statistics are computed after the io_context has stopped, on the main thread.
//
// Files: loadgen_options (command line, --help), loadgen_run.hpp (state the parts share,
// defined here), loadgen_controller (the run's phases), loadgen_pair_session (a pair's life)
// and loadgen_pair_traffic (its per-message hot path) for closed/open mode, loadgen_idle (idle
// mode), loadgen_frames.hpp (frame constants, client_msg_id, hot-path scanners),
// loadgen_report (the JSON report); the client pieces shared with router_bench are the
// sb_bench_client library (bench_client, bench_stats, bench_cli).
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "benchmarks/bench_cli.hpp"
#include "benchmarks/loadgen_controller.hpp"
#include "benchmarks/loadgen_options.hpp"
#include "benchmarks/loadgen_report.hpp"
#include "benchmarks/loadgen_run.hpp"

namespace sb::loadgen {

error_log g_errors;
std::atomic<uint64_t> g_sent{0};
std::atomic<uint64_t> g_delivered{0};
std::atomic<bool> g_stop_sending{false};
std::atomic<bool> g_closing{false};
std::atomic<const char*> g_phase{"start"};
run_clock g_clock;
target g_target;

namespace {

void raise_and_report_fd_limit() {
  const int err = raise_fd_limit();
  if (err < 0) return;
  if (err > 0) std::fprintf(stderr, "loadgen: setrlimit(RLIMIT_NOFILE): %s\n", std::strerror(err));
  rlimit lim{};
  ::getrlimit(RLIMIT_NOFILE, &lim);
  std::cerr << "loadgen: RLIMIT_NOFILE " << lim.rlim_cur << "\n";
}

}  // namespace

}  // namespace sb::loadgen

int main(int argc, char** argv) {
  using namespace sb::loadgen;
  options opt;
  bool help = false;
  if (std::string err = parse_options(argc, argv, opt, help); !err.empty()) {
    std::cerr << "switchboard_loadgen: " << err << "\n";
    return 2;
  }
  if (help) {
    std::cout << k_help;
    return 0;
  }
  raise_and_report_fd_limit();
  if (opt.mode == run_mode::idle) {
    rlimit lim{};
    ::getrlimit(RLIMIT_NOFILE, &lim);
    if (static_cast<rlim_t>(opt.sockets) + 64 > lim.rlim_cur)
      std::cerr << "loadgen: warning: --sockets " << opt.sockets << " exceeds the fd limit\n";
  }

  net::io_context ioc(opt.threads);
  try {
    g_target.server.endpoint = resolve_endpoint(ioc, opt.host, opt.port);
  } catch (const std::exception& e) {
    std::cerr << "switchboard_loadgen: cannot resolve " << opt.host << ": " << e.what() << "\n";
    return 2;
  }
  if (opt.source_addrs > 0 && !g_target.server.endpoint.address().is_loopback())
    std::cerr
        << "loadgen: warning: --source-addrs binds 127.0.0.x, but the server is not on loopback\n";
  g_target.server.host_header = opt.host + ":" + std::to_string(opt.port);
  g_target.server.user_agent = "switchboard-loadgen";
  g_target.server.http_timeout = 15s;
  g_target.site_key = opt.site_key;
  g_target.message_text.assign(static_cast<size_t>(opt.message_bytes), 'x');
  g_target.message_text.replace(0, std::min<size_t>(8, g_target.message_text.size()),
                                std::string("loadgen ").substr(0, std::min(8, opt.message_bytes)));

  run_state st{opt, ioc, {}, {}, std::nullopt, std::nullopt, {}, false};

  net::co_spawn(ioc, controller(&st), [](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      g_errors.add("controller", ex.what());
    }
  });

  // Hard deadline: stop the io_context and report whatever was measured.
  std::atomic<bool> deadline_hit{false};
  net::steady_timer deadline(ioc);
  deadline.expires_after(std::chrono::nanoseconds(static_cast<int64_t>(opt.deadline_s * k_sec)));
  deadline.async_wait([&](beast::error_code ec) {
    if (ec) return;
    deadline_hit = true;
    std::cerr << "loadgen: hard deadline of " << opt.deadline_s << " s reached in phase "
              << g_phase.load() << "\n";
    ioc.stop();
  });
  // Last resort if the io_context does not even stop (e.g. a handler that never returns).
  std::atomic<bool> stopped{false};
  std::thread watchdog([&] {
    auto until = clock_type::now() +
                 std::chrono::nanoseconds(static_cast<int64_t>((opt.deadline_s + 15) * k_sec));
    while (!stopped.load() && clock_type::now() < until) std::this_thread::sleep_for(50ms);
    if (!stopped.load()) {
      std::fprintf(stderr, "loadgen: io_context did not stop after the deadline; aborting\n");
      std::_Exit(3);
    }
  });

  std::vector<std::thread> workers;
  for (int i = 1; i < opt.threads; ++i) workers.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& w : workers) w.join();
  stopped = true;
  watchdog.join();

  // The io_context is stopped: nothing else touches the sessions now.
  if (!st.fatal.empty() && st.pairs.empty() && st.idle.empty()) {
    std::cerr << "switchboard_loadgen: " << st.fatal << "\n";
    std::fflush(stderr);
    std::_Exit(2);
  }
  if (deadline_hit) st.complete = false;
  ordered_json report = opt.mode == run_mode::idle ? idle_report(st) : pairs_report(st);
  const std::string text = report.dump(2);
  std::cout << text << std::endl;
  if (!opt.output.empty()) {
    std::ofstream out(opt.output);
    out << text << "\n";
    if (!out) std::cerr << "loadgen: cannot write " << opt.output << "\n";
  }
  std::cout.flush();
  std::fflush(stderr);
  // Sessions and coroutine frames still reference the io_context; skip their teardown.
  std::_Exit(st.complete ? 0 : 1);
}
