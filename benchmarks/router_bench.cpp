// router_bench: the workspace router under a full queue.
//
// Against a running server (admin --email/--password, like switchboard_loadgen): sets routing
// auto with --capacity C, creates and logs in --agents agents, connects their agent sockets,
// opens --visitors visitors that send one message each (agents x C are assigned at once, the
// rest wait), then every agent closes the conversation it holds and waits for its next
// `assigned` frame, as fast as it can, until every visitor was served. Reports: total time,
// served exactly once (assigned frames per conversation id), dispatch latency (agent's close
// sent -> its next assigned received), the queue fan-out on the agent sockets (queue frames,
// bytes, per socket per second), the visitors' queue_position frames and the server's CPU per
// dispatched conversation (--server-pid, /proc/<pid>/stat).
//
// The server needs --login-rate above agents + 1 per minute, and for --visitors beyond a few
// hundred --visitor-rate/--visitor-burst and --staff-write-rate raised (see RESULTS.md).
//
// One thread runs one io_context; every coroutine lives on it, so state needs no locks.
//
// Files: router_bench_options (command line, --help), router_bench_run.hpp (state the parts
// share, defined here), router_bench_controller (the run's steps, the server's dispatch
// histogram), router_bench_sessions (what each agent and visitor socket does),
// router_bench_report (the JSON report); the client pieces shared with switchboard_loadgen are
// the sb_bench_client library (bench_client, bench_stats, bench_cli).
#include <boost/asio.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "benchmarks/bench_cli.hpp"
#include "benchmarks/router_bench_controller.hpp"
#include "benchmarks/router_bench_options.hpp"
#include "benchmarks/router_bench_report.hpp"
#include "benchmarks/router_bench_run.hpp"

namespace sb::router_bench {

target g_target;
error_log g_errors{300};
bool g_closing = false;
run_state* g_st = nullptr;

}  // namespace sb::router_bench

int main(int argc, char** argv) {
  using namespace sb::router_bench;
  options opt;
  bool help = false;
  if (auto err = parse_options(argc, argv, opt, help); !err.empty()) {
    std::cerr << "router_bench: " << err << "\n";
    return 2;
  }
  if (help) {
    std::cout << k_help;
    return 0;
  }
  raise_fd_limit();  // silently: a failure shows as failed sockets
  net::io_context ioc(1);
  try {
    g_target.server.endpoint = resolve_endpoint(ioc, opt.host, opt.port);
  } catch (const std::exception& e) {
    std::cerr << "router_bench: cannot resolve " << opt.host << ": " << e.what() << "\n";
    return 2;
  }
  g_target.server.host_header = opt.host + ":" + std::to_string(opt.port);
  g_target.server.user_agent = "switchboard-router-bench";
  g_target.server.http_timeout = 30s;

  run_state st;
  st.opt = opt;
  g_st = &st;
  std::vector<agent> agents(opt.agents);
  std::vector<visitor> visitors(opt.visitors);
  ordered_json phases = ordered_json::object();
  std::string fatal;
  net::co_spawn(ioc, controller(st, agents, visitors, phases, fatal, ioc),
                [&](std::exception_ptr e) {
                  if (!e) return;
                  try {
                    std::rethrow_exception(e);
                  } catch (const std::exception& ex) {
                    fatal = std::string("controller: ") + ex.what();
                  }
                  ioc.stop();
                });
  bool deadline_hit = false;
  net::steady_timer deadline(ioc);
  deadline.expires_after(std::chrono::seconds(static_cast<int64_t>(opt.deadline_s)));
  deadline.async_wait([&](beast::error_code ec) {
    if (ec) return;
    deadline_hit = true;
    std::cerr << "router_bench: deadline of " << opt.deadline_s << " s reached\n";
    ioc.stop();
  });
  ioc.run();

  const ordered_json rep = report(st, visitors, phases, fatal, deadline_hit);
  const std::string text = rep.dump(2);
  std::cout << text << std::endl;
  if (!opt.output.empty()) std::ofstream(opt.output) << text << "\n";
  std::fflush(stderr);
  const bool ok = rep["complete"].get<bool>();
  // Coroutine frames still reference the io_context and the sockets; skip their teardown.
  std::_Exit(!fatal.empty() && st.go_ns == 0 ? 2 : ok ? 0 : 1);
}
