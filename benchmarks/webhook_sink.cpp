// webhook_sink: measures the webhook outbox from the receiver's side. It logs in, registers
// itself as a webhook endpoint (message.created) and answers every delivery 200 at once, over
// keep-alive connections. Run the load generator beside it; it reports the delivery rate, the
// lag from commit (created_ts) to receipt, duplicates and order per conversation, and with
// --server-pid the server's peak RSS (a dead receiver's backlog must stay in the log).
//
//   switchboard --allow-private-egress ... &
//   webhook_sink --port 18090 --email E --password P --down-seconds 10 --server-pid <pid> &
//   switchboard_loadgen --port 18090 --email E --password P --mode open --rate 5000 --duration 10
//
// --down-seconds D: the sink does not listen for the first D seconds after registering (a
// dead receiver: connections are refused), so the backlog builds up; then it listens and the
// drain rate is the outbox's peak throughput. It exits --idle-exit seconds (3) after the
// last delivery, or after --max-seconds (120), and prints one JSON report.
#include <unistd.h>

#include <atomic>
#include <boost/asio.hpp>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_set>

#include "benchmarks/bench_cli.hpp"
#include "benchmarks/bench_client.hpp"
#include "benchmarks/bench_stats.hpp"

namespace {
using namespace sb::bench;

struct options {
  std::string host = "127.0.0.1", email, password;
  int port = 8080, sink_port = 0, down_seconds = 0, idle_exit = 3, max_seconds = 120, server_pid = 0;
};

struct tally {
  std::mutex m;
  std::vector<int64_t> lags_ns;
  std::unordered_set<std::string> ids;
  std::map<std::string, int64_t> last_seq;  // per conversation
  long deliveries = 0, duplicates = 0, out_of_order = 0;
  int64_t first_ns = 0, last_ns = 0;

  void add(const std::string& body) {
    auto now = now_ns();
    auto j = json::parse(body, nullptr, false);
    std::lock_guard lk(m);
    ++deliveries;
    if (!first_ns) first_ns = now;
    last_ns = now;
    if (!j.is_object()) return;
    if (!ids.insert(json_string(j, "id")).second) ++duplicates;
    auto created_ms = j.value("created_ts", int64_t{0});
    auto wall_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    lags_ns.push_back((wall_ms - created_ms) * 1000000);
    auto& d = j["data"];
    auto cid = json_string(d, "conversation_id");
    auto seq = d.value("seq", int64_t{0});
    auto& last = last_seq[cid];
    if (seq < last) ++out_of_order;
    last = std::max(last, seq);
  }
};

net::awaitable<void> serve(tcp::socket sock, tally& t) {
  beast::tcp_stream s(std::move(sock));
  beast::flat_buffer buf;
  for (;;) {
    http::request<http::string_body> req;
    beast::error_code ec;
    co_await http::async_read(s, buf, req, net::redirect_error(net::use_awaitable, ec));
    if (ec) co_return;
    t.add(req.body());
    http::response<http::string_body> res{http::status::ok, 11};
    res.set(http::field::content_type, "application/json");
    res.body() = "{}";
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    co_await http::async_write(s, res, net::redirect_error(net::use_awaitable, ec));
    if (ec || !req.keep_alive()) co_return;
  }
}

net::awaitable<void> accept_loop(tcp::acceptor& a, tally& t) {
  for (;;) {
    beast::error_code ec;
    auto sock = co_await a.async_accept(net::redirect_error(net::use_awaitable, ec));
    if (ec) co_return;
    sock.set_option(tcp::no_delay(true));
    net::co_spawn(a.get_executor(), serve(std::move(sock), t), net::detached);
  }
}

bool parse(int argc, char** argv, options& o) {
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    int* n = k == "--port" ? &o.port : k == "--sink-port" ? &o.sink_port : k == "--down-seconds" ? &o.down_seconds
           : k == "--idle-exit" ? &o.idle_exit : k == "--max-seconds" ? &o.max_seconds : k == "--server-pid" ? &o.server_pid : nullptr;
    if (n) {
      if (!parse_int(v, *n)) return false;
    } else if (k == "--host") {
      o.host = v;
    } else if (k == "--email") {
      o.email = v;
    } else if (k == "--password") {
      o.password = v;
    } else {
      return false;
    }
  }
  return !o.email.empty() && !o.password.empty();
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  if (!parse(argc, argv, o)) {
    std::fprintf(stderr, "usage: webhook_sink --email E --password P [--port 8080] [--host H] [--sink-port 0]\n"
                         "       [--down-seconds 0] [--idle-exit 3] [--max-seconds 120] [--server-pid PID]\n");
    return 2;
  }
  net::io_context ioc(1);
  tcp::acceptor acceptor(ioc);
  tcp::endpoint ep(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(o.sink_port));
  acceptor.open(ep.protocol());
  acceptor.set_option(net::socket_base::reuse_address(true));
  acceptor.bind(ep);
  const auto sink_port = acceptor.local_endpoint().port();
  server_target target{resolve_endpoint(ioc, o.host, static_cast<uint16_t>(o.port)), o.host + ":" + std::to_string(o.port),
                       "webhook_sink", 15s};
  std::string webhook_id;
  bool ok = false;
  net::co_spawn(ioc, [&]() -> net::awaitable<void> {
    auto login = co_await http_call(target, http::verb::post, "/api/v1/auth/login", login_body(o.email, o.password), "");
    auto token = json_string(json::parse(login.body, nullptr, false), "token");
    json body{{"url", "http://127.0.0.1:" + std::to_string(sink_port) + "/hook"}, {"events", {"message.created"}}};
    auto r = co_await http_call(target, http::verb::post, "/api/v1/webhooks", body.dump(), token);
    webhook_id = json_string(json::parse(r.body, nullptr, false), "id");
    ok = r.status == 201;
    if (!ok) std::fprintf(stderr, "webhook_sink: POST /webhooks: %u %s\n", r.status, r.body.c_str());
  }, [](std::exception_ptr e) {
    if (e) std::fprintf(stderr, "webhook_sink: cannot register\n");
  });
  ioc.run();
  ioc.restart();
  if (!ok) return 1;
  std::fprintf(stderr, "webhook_sink: registered %s on port %u; down for %d s\n", webhook_id.c_str(), sink_port, o.down_seconds);
  std::fflush(stderr);

  tally t;
  long peak_rss_kb = 0;
  auto sample_rss = [&] {
    if (o.server_pid)
      if (auto kb = read_rss_kb(o.server_pid)) peak_rss_kb = std::max(peak_rss_kb, *kb);
  };
  auto started = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - started < std::chrono::seconds(o.down_seconds)) {
    sample_rss();
    std::this_thread::sleep_for(200ms);
  }
  long rss_down_kb = peak_rss_kb;
  acceptor.listen();
  net::co_spawn(ioc, accept_loop(acceptor, t), net::detached);
  std::thread io([&] { ioc.run(); });
  double cpu_before = o.server_pid ? process_cpu_us(o.server_pid).value_or(0) : 0;
  for (;;) {
    std::this_thread::sleep_for(200ms);
    sample_rss();
    std::lock_guard lk(t.m);
    auto now = now_ns();
    if (t.last_ns && now - t.last_ns > int64_t{o.idle_exit} * 1000000000) break;
    if (std::chrono::steady_clock::now() - started > std::chrono::seconds(o.max_seconds)) break;
  }
  double cpu_after = o.server_pid ? process_cpu_us(o.server_pid).value_or(0) : 0;
  ioc.stop();
  io.join();
  std::lock_guard lk(t.m);
  double secs = t.last_ns > t.first_ns ? (t.last_ns - t.first_ns) / 1e9 : 0;
  ordered_json report{{"deliveries", t.deliveries},
                      {"unique", t.ids.size()},
                      {"duplicates", t.duplicates},
                      {"out_of_order", t.out_of_order},
                      {"seconds_first_to_last", secs},
                      {"deliveries_per_s", secs > 0 ? t.deliveries / secs : 0},
                      {"lag_commit_to_receipt", latency_summary(t.lags_ns)},
                      {"server_peak_rss_kb_while_down", rss_down_kb},
                      {"server_peak_rss_kb", peak_rss_kb},
                      {"server_cpu_us_per_delivery_after_down",
                       t.deliveries && o.server_pid ? (cpu_after - cpu_before) / t.deliveries : 0.0}};
  std::printf("%s\n", report.dump(2).c_str());
  return 0;
}
