#include "benchmarks/router_bench_options.hpp"

#include <string_view>

#include "benchmarks/bench_cli.hpp"

namespace sb::router_bench {

using bench::parse_int;

const char* const k_help = R"(router_bench - the workspace router under a full queue

Usage: router_bench --email E --password P [options]
  --host H          server address (default 127.0.0.1)
  --port N          server port (default 8080)
  --email E         admin email and password: the admin logs in, creates a widget, sets
  --password P      PATCH /workspace {routing:auto, default_capacity:C} and creates the agents
  --agents N        agents to create, log in and connect (default 50)
  --visitors N      visitors, one message each (default 1000)
  --capacity C      workspace default_capacity (default 1)
  --in-flight K     at most K closes waiting for their assigned across all agents (default:
                    one per agent, all agents close at once); 1 = the pipeline unloaded
  --concurrency N   visitor sockets being opened at once (default 100)
  --server-pid P    read the server's utime+stime from /proc/P/stat around the drain
  --deadline S      give up after S seconds (default 180); the report says complete:false
  --output FILE     also write the JSON report to FILE
The server needs --login-rate >= agents+1 (logins per minute per IP), --staff-write-rate
high enough for the user creations, and --visitor-rate/--visitor-burst raised.
Exit code: 0 every visitor served exactly once, 1 otherwise, 2 usage/setup error.
)";

std::string parse_options(int argc, char** argv, options& o, bool& help) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      help = true;
      return {};
    }
    if (i + 1 >= argc) return "missing value for " + std::string(arg);
    std::string_view v = argv[++i];
    int n = 0;
    auto num = [&](int& out, int lo) { return parse_int(v, n) && n >= lo ? (out = n, true) : false; };
    bool ok = true;
    if (arg == "--host") o.host = v;
    else if (arg == "--port") ok = parse_int(v, n) && n > 0 && n < 65536 && (o.port = n, true);
    else if (arg == "--email") o.email = v;
    else if (arg == "--password") o.password = v;
    else if (arg == "--agents") ok = num(o.agents, 1);
    else if (arg == "--visitors") ok = num(o.visitors, 1);
    else if (arg == "--capacity") ok = num(o.capacity, 1);
    else if (arg == "--concurrency") ok = num(o.concurrency, 1);
    else if (arg == "--in-flight") ok = num(o.in_flight, 1);
    else if (arg == "--server-pid") ok = num(o.server_pid, 1);
    else if (arg == "--deadline") ok = parse_int(v, n) && n > 0 && (o.deadline_s = n, true);
    else if (arg == "--output") o.output = v;
    else return "unknown option " + std::string(arg) + " (see --help)";
    if (!ok) return "bad value for " + std::string(arg) + ": " + std::string(v);
  }
  if (o.email.empty() || o.password.empty()) return "--email and --password are required";
  if (o.in_flight == 0) o.in_flight = o.agents;
  return {};
}

}  // namespace sb::router_bench
