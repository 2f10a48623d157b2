#include "benchmarks/loadgen_options.hpp"

#include <string_view>

#include "benchmarks/bench_cli.hpp"

namespace sb::loadgen {

using bench::parse_int;
using bench::parse_number;

const char* const k_help = R"(switchboard_loadgen - WebSocket load generator for Switchboard

Usage: switchboard_loadgen --email E --password P [options]

Connection and setup:
  --host H            server address (default 127.0.0.1)
  --port N            server HTTP/WebSocket port (default 8080)
  --email E           admin email: logs in (POST /api/v1/auth/login), creates a widget
  --password P        (POST /api/v1/widgets {"name":"loadgen"}); the admin's token is used by
                      every agent socket. Required unless --site-key is given in idle mode.
  --site-key K        use this widget instead of creating one (idle mode needs no login then)

Mode:
  --mode M            closed | open | idle (default closed)
    closed            each pair keeps --window messages outstanding (outstanding until both the
                      visitor's ack and the agent's receipt arrived): maximum throughput
    open              --rate messages/s in total, spread evenly over the pairs on a fixed
                      schedule; latencies are measured from the scheduled send time
    idle              open --sockets visitor sockets (hello -> welcome), hold them, report the
                      server's RSS growth per socket (needs --server-pid)
  --pairs N           visitor+agent socket pairs, one conversation each (default 100)
  --window W          closed loop: outstanding messages per pair (default 8)
  --rate R            open loop: total messages/s (default 5000)
  --duration S        measured seconds (default 10); idle mode: seconds to hold the sockets
                      after the last one opened, RSS is read at the end
  --warmup S          seconds sent before measuring, excluded from latency/throughput (default 1)
  --message-bytes N   text length of each message (default 32)
  --accept            agents also accept their conversation after subscribing (default off)

Idle mode:
  --sockets N         visitor sockets to open (default 1000)
  --concurrency N     handshakes in flight, also used for pair setup (default 200)
  --source-addrs N    bind connections round-robin to 127.0.0.1 .. 127.0.0.N (loopback only);
                      needed past ~28k sockets (one ephemeral port range per source address)
  --server-pid P      read VmRSS of /proc/P/status before opening and after holding

Run:
  --threads N         threads running the single io_context (default 1)
  --deadline S        hard deadline in seconds from start (default duration + warmup + 30,
                      idle mode adds sockets/500); past it the report is printed with
                      "complete": false and the exit code is 1
  --output FILE       also write the JSON report to FILE (it is always printed to stdout)
  --trace FILE        write one line per measured message: pair, send, ack and agent receipt,
                      actual send times in microseconds since the start (0 = never), to find
                      when the slow ones happened
  --help              this text

Report (closed/open): {mode, pairs, rate_target, duration_s, sent, acked, delivered, lost,
  duplicates, errors, throughput_delivered_per_s, ack_latency_ms:{p50,p90,p99,max},
  deliver_latency_ms:{p50,p90,p99,max}, ...details}. Counts cover the whole run (warmup
  included); latencies cover messages scheduled inside the measured window; throughput counts
  agent receipts inside the measured window. lost = sent but not both acked and delivered to
  the agent within 5 s after sending stopped (messages refused with an error frame are counted
  in "rejected" and "errors" instead). duplicates = a client_msg_id delivered twice to the agent,
  a message/status seq seen twice on a socket, or an ack seq repeated.
Report (idle): {mode, sockets, opened, failed, dropped, rss_before_kb, rss_after_kb,
  rss_per_socket_bytes}.

Exit code: 0 complete, 1 deadline hit or no pair/socket could be set up, 2 usage/login error.
)";

std::string parse_options(int argc, char** argv, options& o, bool& help) {
  help = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::string_view value;
    if (arg == "--help" || arg == "-h") {
      help = true;
      return {};
    }
    if (arg == "--accept") {
      o.accept = true;
      continue;
    }
    if (auto eq = arg.find('='); eq != std::string_view::npos && arg.starts_with("--")) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    } else {
      if (i + 1 >= argc) return "missing value for " + std::string(arg);
      value = argv[++i];
    }
    auto bad = [&] { return "bad value for " + std::string(arg) + ": " + std::string(value); };
    int port = 0;
    if (arg == "--host") {
      o.host = value;
    } else if (arg == "--port") {
      if (!parse_int(value, port) || port < 0 || port > 65535) return bad();
      o.port = static_cast<uint16_t>(port);
    } else if (arg == "--email") {
      o.email = value;
    } else if (arg == "--password") {
      o.password = value;
    } else if (arg == "--site-key") {
      o.site_key = value;
    } else if (arg == "--mode") {
      if (value == "closed")
        o.mode = run_mode::closed;
      else if (value == "open")
        o.mode = run_mode::open;
      else if (value == "idle")
        o.mode = run_mode::idle;
      else
        return bad();
    } else if (arg == "--pairs") {
      if (!parse_int(value, o.pairs) || o.pairs < 1) return bad();
    } else if (arg == "--window") {
      if (!parse_int(value, o.window) || o.window < 1) return bad();
    } else if (arg == "--rate") {
      if (!parse_number(value, o.rate) || o.rate <= 0) return bad();
    } else if (arg == "--duration") {
      if (!parse_number(value, o.duration_s) || o.duration_s <= 0) return bad();
    } else if (arg == "--warmup") {
      if (!parse_number(value, o.warmup_s) || o.warmup_s < 0) return bad();
    } else if (arg == "--sockets") {
      if (!parse_int(value, o.sockets) || o.sockets < 1) return bad();
    } else if (arg == "--concurrency") {
      if (!parse_int(value, o.concurrency) || o.concurrency < 1) return bad();
    } else if (arg == "--source-addrs") {
      if (!parse_int(value, o.source_addrs) || o.source_addrs < 0 || o.source_addrs > 254)
        return bad();
    } else if (arg == "--server-pid") {
      if (!parse_int(value, o.server_pid) || o.server_pid < 1) return bad();
    } else if (arg == "--message-bytes") {
      if (!parse_int(value, o.message_bytes) || o.message_bytes < 1 || o.message_bytes > 4000)
        return bad();
    } else if (arg == "--threads") {
      if (!parse_int(value, o.threads) || o.threads < 1 || o.threads > 64) return bad();
    } else if (arg == "--deadline") {
      if (!parse_number(value, o.deadline_s) || o.deadline_s <= 0) return bad();
    } else if (arg == "--output") {
      o.output = value;
    } else if (arg == "--trace") {
      o.trace = value;
    } else {
      return "unknown option " + std::string(arg) + " (see --help)";
    }
  }
  bool need_login = o.mode != run_mode::idle || o.site_key.empty();
  if (need_login && (o.email.empty() || o.password.empty()))
    return "--email and --password are required (idle mode: or --site-key)";
  if (o.deadline_s == 0) {
    o.deadline_s = o.duration_s + o.warmup_s + 30;
    if (o.mode == run_mode::idle) o.deadline_s += o.sockets / 500.0;
  }
  return {};
}

}  // namespace sb::loadgen
