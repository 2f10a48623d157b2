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
// One thread runs one io_context; every coroutine lives on it, so state needs no locks. The
// client code (connect, HTTP calls, percentiles) follows loadgen.cpp.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using ws_stream = websocket::stream<beast::tcp_stream>;

const clock_type::time_point g_epoch = clock_type::now();
int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now() - g_epoch).count();
}
constexpr int64_t k_sec = 1'000'000'000;

struct options {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  std::string email, password;
  int agents = 50;
  int visitors = 1000;
  int capacity = 1;
  int in_flight = 0;  // closes outstanding across all agents, 0 = one per agent
  int concurrency = 100;
  int server_pid = 0;
  double deadline_s = 180;
  std::string output;
};

constexpr const char* k_help = R"(router_bench - the workspace router under a full queue

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

bool parse_int(std::string_view s, int& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

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

// ---------------------------------------------------------------------------------------------
// Client helpers (as in loadgen.cpp)

struct target {
  tcp::endpoint endpoint;
  std::string host_header;
  std::string site_key;
  std::string admin_token;
};
target g_target;

struct errors {
  uint64_t count = 0;
  std::map<std::string, uint64_t> by_kind;
  std::vector<std::string> samples;
  void add(const std::string& kind, const std::string& detail) {
    ++count;
    ++by_kind[kind];
    if (samples.size() < 8) samples.push_back(kind + ": " + detail.substr(0, 300));
  }
};
errors g_errors;
bool g_closing = false;

net::awaitable<void> sleep_for(clock_type::duration d) {
  net::steady_timer t(co_await net::this_coro::executor);
  t.expires_after(d);
  beast::error_code ec;
  co_await t.async_wait(net::redirect_error(net::use_awaitable, ec));
}

std::string_view buffer_view(const beast::flat_buffer& b) {
  return {static_cast<const char*>(b.data().data()), b.size()};
}

// The server writes compact JSON; the first `"type":"X"` is the frame's type in every frame this
// tool reads after setup (queue frames are recognised by their prefix before this).
std::string_view frame_type(std::string_view s) {
  static constexpr std::string_view key = "\"type\":\"";
  size_t p = s.find(key);
  if (p == std::string_view::npos) return {};
  p += key.size();
  size_t e = s.find('"', p);
  return e == std::string_view::npos ? std::string_view{} : s.substr(p, e - p);
}

std::string json_string(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

std::string frame(std::initializer_list<std::pair<const char*, std::string>> fields) {
  json j = json::object();
  for (auto& [k, v] : fields) j[k] = v;
  return j.dump();
}

net::awaitable<void> connect_ws(ws_stream& ws, std::string path) {
  auto& stream = beast::get_lowest_layer(ws);
  stream.expires_after(10s);
  co_await stream.async_connect(g_target.endpoint, net::use_awaitable);
  stream.socket().set_option(tcp::no_delay(true));
  stream.expires_never();
  websocket::stream_base::timeout t{};
  t.handshake_timeout = 10s;
  t.idle_timeout = websocket::stream_base::none();
  t.keep_alive_pings = false;
  ws.set_option(t);
  ws.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
    req.set(http::field::origin, "http://localhost");
    req.set(http::field::user_agent, "switchboard-router-bench");
  }));
  ws.read_message_max(16 * 1024 * 1024);
  ws.text(true);
  co_await ws.async_handshake(g_target.host_header, path, net::use_awaitable);
}

// Reads until a frame of type `want` (full parse); an `error` frame throws.
net::awaitable<json> read_until(ws_stream& ws, beast::flat_buffer& buf, std::string want) {
  beast::get_lowest_layer(ws).expires_after(15s);
  for (;;) {
    buf.clear();
    co_await ws.async_read(buf, net::use_awaitable);
    std::string_view text = buffer_view(buf);
    json j = json::parse(text.begin(), text.end(), nullptr, false);
    if (j.is_discarded() || !j.is_object()) continue;
    std::string type = json_string(j, "type");
    if (type == want) {
      beast::get_lowest_layer(ws).expires_never();
      co_return j;
    }
    if (type == "error") throw std::runtime_error("error frame before " + want + ": " + j.dump());
  }
}

struct http_result {
  unsigned status = 0;
  std::string body;
};

net::awaitable<http_result> http_call(http::verb verb, std::string path, std::string body,
                                      std::string token) {
  beast::tcp_stream stream(co_await net::this_coro::executor);
  stream.expires_after(30s);
  co_await stream.async_connect(g_target.endpoint, net::use_awaitable);
  http::request<http::string_body> req(verb, path, 11);
  req.set(http::field::host, g_target.host_header);
  req.set(http::field::content_type, "application/json");
  if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
  req.body() = std::move(body);
  req.prepare_payload();
  co_await http::async_write(stream, req, net::use_awaitable);
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  co_await http::async_read(stream, buf, res, net::use_awaitable);
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  co_return http_result{res.result_int(), std::move(res.body())};
}

// A staff write, retried on 429 (the per-token write limit) for up to a minute.
net::awaitable<http_result> staff_write(http::verb verb, std::string path, std::string body) {
  for (int attempt = 0;; ++attempt) {
    auto r = co_await http_call(verb, path, body, g_target.admin_token);
    if (r.status != 429 || attempt >= 60) co_return r;
    co_await sleep_for(1s);
  }
}

// utime + stime of a process, in microseconds.
std::optional<double> process_cpu_us(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  auto close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(close + 2));
  std::string f;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i) {
    if (i == 14) utime = std::stoull(f);
    if (i == 15) stime = std::stoull(f);
  }
  return (utime + stime) * 1e6 / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// The server's own `switchboard_router_dispatch_seconds` histogram (cumulative bucket counts
// by upper bound) from GET /metrics: slot freed -> assignment durable, inside the server.
net::awaitable<std::vector<std::pair<double, double>>> dispatch_buckets() {
  std::vector<std::pair<double, double>> out;
  auto r = co_await http_call(http::verb::get, "/metrics", "", "");
  static constexpr std::string_view prefix = "switchboard_router_dispatch_seconds_bucket{le=\"";
  std::istringstream lines(r.body);
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with(prefix)) continue;
    auto q = line.find('"', prefix.size());
    auto le = line.substr(prefix.size(), q - prefix.size());
    double bound = le == "+Inf" ? INFINITY : std::stod(le);
    out.emplace_back(bound, std::stod(line.substr(line.rfind(' ') + 1)));
  }
  co_return out;
}

// p-th percentile of the counts added between two readings: the upper bound of its bucket, ms.
ordered_json bucket_quantiles(const std::vector<std::pair<double, double>>& before,
                              const std::vector<std::pair<double, double>>& after) {
  ordered_json j;
  if (after.empty() || before.size() != after.size()) return j;
  double total = after.back().second - before.back().second;
  j["count"] = total;
  for (auto [name, p] : {std::pair{"p50_le", 0.5}, {"p90_le", 0.9}, {"p99_le", 0.99}}) {
    for (std::size_t i = 0; i < after.size(); ++i)
      if (after[i].second - before[i].second >= p * total) {
        j[name] = std::isinf(after[i].first) ? json("inf") : json(after[i].first * 1000);
        break;
      }
  }
  return j;
}

double to_ms(int64_t ns) { return std::round(ns / 1000.0) / 1000.0; }

ordered_json latency_summary(std::vector<int64_t> v) {
  ordered_json j;
  if (v.empty()) {
    for (const char* k : {"p50", "p90", "p99", "max"}) j[k] = nullptr;
    j["count"] = 0;
    return j;
  }
  std::sort(v.begin(), v.end());
  auto rank = [&](double p) {
    size_t r = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
    return v[std::clamp<size_t>(r, 1, v.size()) - 1];
  };
  j["p50"] = to_ms(rank(50));
  j["p90"] = to_ms(rank(90));
  j["p99"] = to_ms(rank(99));
  j["max"] = to_ms(v.back());
  j["count"] = v.size();
  return j;
}

// ---------------------------------------------------------------------------------------------
// Run state (one thread: plain fields)

struct fanout {
  uint64_t frames = 0, bytes = 0, max_bytes = 0;
  void add(size_t n) {
    ++frames;
    bytes += n;
    max_bytes = std::max<uint64_t>(max_bytes, n);
  }
};

struct run_state {
  options opt;
  std::vector<std::pair<double, double>> server_buckets_before, server_buckets_after;
  bool draining = false;   // the agents are closing (the measured phase)
  int64_t go_ns = 0, all_served_ns = 0;
  int initial_assigned = 0;
  int served = 0;                                 // distinct conversations assigned
  std::unordered_map<std::string, int> assigned;  // conversation id -> assigned frames
  std::unordered_map<std::string, int> visitor_of;  // conversation id -> visitor index
  std::vector<int64_t> dispatch_ns;
  uint64_t closes_sent = 0, closes_answered = 0;
  int64_t last_queue_total = -1;
  // Frames on the agent sockets by phase: 0 setup, 1 drain (until every visitor was served), 2 after.
  fanout queue[3], presence[3];
  fanout other_agent, queue_position, visitor_status;
  std::vector<int64_t> queue_gaps_ns;  // between queue frames on agent 0's socket, in the drain
  int64_t last_queue_ns = 0;
  int closes_in_flight = 0;
  int phase() const { return !draining ? 0 : all_served_ns ? 2 : 1; }
  uint64_t active_status = 0, dup_active = 0;
  std::map<std::string, uint64_t> socket_closes;  // "agent 1008 ..." -> count
  std::vector<net::steady_timer*> wakes;  // every agent's worker timer
  std::optional<double> cpu_go_us, cpu_served_us;
  double self_cpu_go_s = 0, self_cpu_served_s = 0;
};
run_state* g_st = nullptr;

double self_cpu_s() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

void note_close(const char* who, ws_stream& ws, const beast::error_code& ec) {
  if (g_closing) return;
  auto r = ws.reason();
  std::string key = std::string(who) + " " +
                    (r.code ? std::to_string(r.code) + " " + std::string(r.reason.data(), r.reason.size()) : ec.message());
  ++g_st->socket_closes[key];
}

struct agent {
  int index = 0;
  std::string email, token, user_id;
  std::unique_ptr<ws_stream> ws;
  std::unique_ptr<net::steady_timer> wake;
  beast::flat_buffer buf;
  std::deque<std::string> held;  // conversations assigned and not yet closed
  int64_t close_sent_ns = 0;     // 0: no close waiting for its assigned
  bool dead = false;
};

struct visitor {
  int index = 0;
  std::unique_ptr<ws_stream> ws;
  beast::flat_buffer buf;
  std::string conversation_id;
  int active_frames = 0;  // status active frames heard
};

void check_all_served(run_state& st) {
  if (st.served < st.opt.visitors || st.all_served_ns) return;
  st.all_served_ns = now_ns();
  if (st.opt.server_pid) st.cpu_served_us = process_cpu_us(st.opt.server_pid);
  st.self_cpu_served_s = self_cpu_s();
  for (auto* w : st.wakes) w->cancel();  // closes still waiting will get nothing: stop waiting
}

void on_agent_frame(run_state& st, agent& a, std::string_view text, int64_t t) {
  static constexpr std::string_view queue_prefix = R"({"type":"queue",)";
  if (text.starts_with(queue_prefix)) {
    st.queue[st.phase()].add(text.size());
    if (a.index == 0) {
      if (st.phase() == 1 && st.last_queue_ns) st.queue_gaps_ns.push_back(t - st.last_queue_ns);
      st.last_queue_ns = t;
    }
    if (auto p = text.find("\"total\":"); p != std::string_view::npos) {
      int64_t total = 0;
      std::from_chars(text.data() + p + 8, text.data() + text.size(), total);
      st.last_queue_total = total;
    }
    return;
  }
  std::string_view type = frame_type(text);
  if (type == "presence") return st.presence[st.phase()].add(text.size());
  if (type == "assigned") {
    json j = json::parse(text.begin(), text.end(), nullptr, false);
    std::string cid;
    if (!j.is_discarded() && j.contains("conversation") && j["conversation"].is_object())
      cid = json_string(j["conversation"], "id");
    if (cid.empty()) return g_errors.add("assigned without conversation.id", std::string(text));
    if (++st.assigned[cid] == 1) ++st.served;
    if (!st.draining) ++st.initial_assigned;
    if (a.close_sent_ns) {
      st.dispatch_ns.push_back(t - a.close_sent_ns);
      ++st.closes_answered;
      a.close_sent_ns = 0;
      if (--st.closes_in_flight < st.opt.in_flight)
        for (auto* w : st.wakes) w->cancel();  // a closer waiting for its turn may go
    }
    a.held.push_back(std::move(cid));
    a.wake->cancel();
    check_all_served(st);
    return;
  }
  if (type == "error") {
    g_errors.add("agent error frame", std::string(text));
    if (a.close_sent_ns) --st.closes_in_flight;
    a.close_sent_ns = 0;  // a refused close frees nothing
    a.wake->cancel();
    return;
  }
  st.other_agent.add(text.size());
}

net::awaitable<void> agent_reader(run_state& st, agent& a) {
  beast::flat_buffer buf;
  for (;;) {
    beast::error_code ec;
    co_await a.ws->async_read(buf, net::redirect_error(net::use_awaitable, ec));
    const int64_t t = now_ns();
    if (ec) {
      note_close("agent", *a.ws, ec);
      a.dead = true;
      a.wake->cancel();
      co_return;
    }
    on_agent_frame(st, a, buffer_view(buf), t);
    buf.consume(buf.size());
  }
}

// The measured phase for one agent: close what it holds, one close in flight at a time; a close
// sent while visitors still wait expects the next `assigned` on this socket.
net::awaitable<void> agent_worker(run_state& st, agent& a) {
  while (!a.dead && !g_closing) {
    const bool my_turn = st.closes_in_flight < st.opt.in_flight || st.served >= st.opt.visitors;
    if (!a.close_sent_ns && !a.held.empty() && my_turn) {
      std::string cid = std::move(a.held.front());
      a.held.pop_front();
      const std::string f = frame({{"type", "close"}, {"conversation_id", cid}});
      const int64_t t = now_ns();
      if (st.served < st.opt.visitors) {
        a.close_sent_ns = t;
        ++st.closes_in_flight;
      }
      ++st.closes_sent;
      beast::error_code ec;
      co_await a.ws->async_write(net::buffer(f), net::redirect_error(net::use_awaitable, ec));
      if (ec) {
        g_errors.add("agent write", ec.message());
        co_return;
      }
      continue;
    }
    if (st.all_served_ns && a.held.empty()) co_return;
    a.wake->expires_after(1s);
    beast::error_code ec;
    co_await a.wake->async_wait(net::redirect_error(net::use_awaitable, ec));
    if (st.all_served_ns && a.close_sent_ns) {  // nothing more will come
      a.close_sent_ns = 0;
      --st.closes_in_flight;
    }
  }
}

net::awaitable<void> visitor_session(run_state& st, visitor& v, int& in_flight, int& opened) {
  const char* step = "connect";
  try {
    v.ws = std::make_unique<ws_stream>(co_await net::this_coro::executor);
    const std::string path = "/ws/visitor?site_key=" + g_target.site_key;
    co_await connect_ws(*v.ws, path);
    step = "hello";
    const std::string hello = R"({"type":"hello"})";
    co_await v.ws->async_write(net::buffer(hello), net::use_awaitable);
    co_await read_until(*v.ws, v.buf, "welcome");
    step = "message";
    const std::string msg = frame({{"type", "message"},
                                   {"client_msg_id", "rb-" + std::to_string(v.index)},
                                   {"text", "router bench visitor " + std::to_string(v.index)}});
    co_await v.ws->async_write(net::buffer(msg), net::use_awaitable);
    json ack = co_await read_until(*v.ws, v.buf, "ack");
    v.conversation_id = json_string(ack, "conversation_id");
    if (v.conversation_id.empty()) throw std::runtime_error("ack without conversation_id");
    st.visitor_of[v.conversation_id] = v.index;
    ++opened;
  } catch (const std::exception& e) {
    g_errors.add(std::string("visitor ") + step, e.what());
    --in_flight;
    co_return;
  }
  --in_flight;
  // Then count what the visitor hears: queue_position and status frames.
  for (;;) {
    v.buf.clear();
    beast::error_code ec;
    co_await v.ws->async_read(v.buf, net::redirect_error(net::use_awaitable, ec));
    if (ec) {
      note_close("visitor", *v.ws, ec);
      co_return;
    }
    std::string_view text = buffer_view(v.buf);
    std::string_view type = frame_type(text);
    if (type == "queue_position") {
      st.queue_position.add(text.size());
    } else if (type == "status") {
      st.visitor_status.add(text.size());
      if (text.find(R"("status":"active")") != std::string_view::npos) {
        ++st.active_status;
        if (++v.active_frames > 1) ++st.dup_active;
      }
    } else if (type == "error") {
      g_errors.add("visitor error frame", std::string(text));
    }
  }
}

net::awaitable<void> close_ws(ws_stream& ws) {
  if (!ws.is_open()) co_return;
  beast::get_lowest_layer(ws).expires_after(2s);
  beast::error_code ec;
  co_await ws.async_close(websocket::close_code::normal, net::redirect_error(net::use_awaitable, ec));
}

// Runs `n` jobs with at most `width` at once; each job is job(i).
template <class Job>
net::awaitable<void> bounded(int n, int width, Job job) {
  int in_flight = 0, done = 0;
  auto ex = co_await net::this_coro::executor;
  for (int i = 0; i < n || done < n;) {
    if (i < n && in_flight < width) {
      ++in_flight;
      net::co_spawn(ex, job(i), [&](std::exception_ptr) { --in_flight, ++done; });
      ++i;
      continue;
    }
    co_await sleep_for(2ms);
  }
}

// ---------------------------------------------------------------------------------------------

struct setup_failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

json parse_body(const http_result& r, const char* what, unsigned want) {
  if (r.status != want && !(want == 201 && r.status == 200))
    throw setup_failure(std::string(what) + ": HTTP " + std::to_string(r.status) + " " + r.body);
  json j = json::parse(r.body, nullptr, false);
  if (!j.is_object()) throw setup_failure(std::string(what) + ": not a JSON object: " + r.body);
  return j;
}

std::string login_body(const std::string& email, const std::string& password) {
  json j = json::object();
  j["email"] = email;
  j["password"] = password;
  return j.dump();
}

net::awaitable<void> controller(run_state& st, std::vector<agent>& agents,
                                std::vector<visitor>& visitors, ordered_json& phases,
                                std::string& fatal, net::io_context& ioc) {
  const options& opt = st.opt;
  auto ex = co_await net::this_coro::executor;
  auto phase = [&, t0 = now_ns()](const char* name) mutable {
    const int64_t t = now_ns();
    phases[name] = std::round((t - t0) / 1e6) / 1e3;
    t0 = t;
    std::cerr << "router_bench: " << name << " done in " << phases[name] << " s\n";
  };
  try {
    const std::string password = "router-bench-pass";
    auto login = co_await http_call(http::verb::post, "/api/v1/auth/login",
                                    login_body(opt.email, opt.password), "");
    g_target.admin_token = json_string(parse_body(login, "admin login", 200), "token");
    json w = json::object();
    w["name"] = "router_bench";
    g_target.site_key =
        json_string(parse_body(co_await staff_write(http::verb::post, "/api/v1/widgets", w.dump()),
                               "widget creation", 201),
                    "site_key");
    json ws = json::object();
    ws["routing"] = "auto";
    ws["default_capacity"] = opt.capacity;
    parse_body(co_await staff_write(http::verb::patch, "/api/v1/workspace", ws.dump()),
               "PATCH /workspace", 200);
    phase("admin");

    // Agents: create, log in, connect (a few at a time: password hashing is slow on purpose).
    const std::string run_tag = std::to_string(::getpid()) + "-" + std::to_string(std::time(nullptr));
    for (int i = 0; i < opt.agents; ++i) {
      agents[i].index = i;
      agents[i].email = "rb-" + run_tag + "-" + std::to_string(i) + "@example.com";
    }
    co_await bounded(opt.agents, 4, [&](int i) -> net::awaitable<void> {
      json u = json::object();
      u["email"] = agents[i].email;
      u["password"] = password;
      u["name"] = "Bench agent " + std::to_string(i);
      u["role"] = "agent";
      auto r = co_await staff_write(http::verb::post, "/api/v1/users", u.dump());
      if (r.status != 201 && r.status != 200)
        g_errors.add("create user", "HTTP " + std::to_string(r.status) + " " + r.body);
    });
    phase("create_users");
    co_await bounded(opt.agents, 4, [&](int i) -> net::awaitable<void> {
      auto r = co_await http_call(http::verb::post, "/api/v1/auth/login",
                                  login_body(agents[i].email, password), "");
      json j = json::parse(r.body, nullptr, false);
      if (r.status != 200 || !j.is_object())
        co_return g_errors.add("agent login", "HTTP " + std::to_string(r.status) + " " + r.body +
                                                  (r.status == 429 ? " (raise --login-rate)" : ""));
      agents[i].token = json_string(j, "token");
      if (j.contains("user") && j["user"].is_object()) agents[i].user_id = json_string(j["user"], "id");
    });
    phase("login_agents");
    int connected = 0;
    co_await bounded(opt.agents, 10, [&](int i) -> net::awaitable<void> {
      agent& a = agents[i];
      if (a.token.empty()) co_return;
      try {
        a.ws = std::make_unique<ws_stream>(ex);
        a.wake = std::make_unique<net::steady_timer>(ex);
        co_await connect_ws(*a.ws, "/ws/agent");
        const std::string hello = frame({{"type", "hello"}, {"token", a.token}});
        co_await a.ws->async_write(net::buffer(hello), net::use_awaitable);
        co_await read_until(*a.ws, a.buf, "welcome");
        ++connected;
        st.wakes.push_back(a.wake.get());
        net::co_spawn(ex, agent_reader(st, a), net::detached);
      } catch (const std::exception& e) {
        g_errors.add("agent socket", e.what());
      }
    });
    phase("connect_agents");
    if (connected != opt.agents)
      throw setup_failure(std::to_string(connected) + "/" + std::to_string(opt.agents) +
                          " agents connected");

    // Visitors: each opens a conversation with one message (acked = durable).
    int in_flight = 0, opened = 0;
    for (int i = 0; i < opt.visitors;) {
      if (in_flight < opt.concurrency) {
        visitors[i].index = i;
        ++in_flight;
        net::co_spawn(ex, visitor_session(st, visitors[i], in_flight, opened), net::detached);
        ++i;
        continue;
      }
      co_await sleep_for(1ms);
    }
    while (in_flight > 0) co_await sleep_for(2ms);
    phase("open_visitors");
    if (opened != opt.visitors)
      throw setup_failure(std::to_string(opened) + "/" + std::to_string(opt.visitors) +
                          " visitors opened a conversation");

    // Settle: the first agents x C assigned, and a queue frame showing the rest waiting.
    const int expect_initial = std::min(opt.visitors, opt.agents * opt.capacity);
    const int64_t settle_limit = now_ns() + 15 * k_sec;
    while ((st.initial_assigned < expect_initial ||
            st.last_queue_total != opt.visitors - expect_initial) &&
           now_ns() < settle_limit)
      co_await sleep_for(5ms);
    co_await sleep_for(200ms);  // let the last coalesced queue frame of the setup pass
    phase("settle");
    if (st.initial_assigned != expect_initial)
      g_errors.add("settle", std::to_string(st.initial_assigned) + " assigned before the drain, expected " +
                                 std::to_string(expect_initial));

    // Drain: every agent closes as fast as it can.
    st.server_buckets_before = co_await dispatch_buckets();
    if (opt.server_pid) st.cpu_go_us = process_cpu_us(opt.server_pid);
    st.self_cpu_go_s = self_cpu_s();
    st.draining = true;
    st.go_ns = now_ns();
    int workers = 0;
    for (auto& a : agents) {
      ++workers;
      net::co_spawn(ex, agent_worker(st, a), [&](std::exception_ptr) { --workers; });
    }
    int64_t next_report = st.go_ns + k_sec;
    while (workers > 0) {
      co_await sleep_for(5ms);
      if (now_ns() >= next_report) {
        std::cerr << "router_bench: t=" << (next_report - st.go_ns) / k_sec << "s served=" << st.served
                  << " closes=" << st.closes_sent << " queue total=" << st.last_queue_total << "\n";
        next_report += k_sec;
      }
    }
    phase("drain");
    co_await sleep_for(300ms);  // late duplicates, the last queue frames
    st.server_buckets_after = co_await dispatch_buckets();
  } catch (const setup_failure& e) {
    fatal = e.what();
  } catch (const std::exception& e) {
    fatal = std::string("setup: ") + e.what();
  }
  g_closing = true;
  for (auto& a : agents)
    if (a.ws) co_await close_ws(*a.ws);
  for (auto& v : visitors)
    if (v.ws) co_await close_ws(*v.ws);
  ioc.stop();
}

ordered_json report(run_state& st, const std::vector<visitor>& visitors, const ordered_json& phases,
                    const std::string& fatal, bool deadline_hit) {
  const options& opt = st.opt;
  ordered_json j;
  const int64_t end_ns = st.all_served_ns ? st.all_served_ns : now_ns();
  const double drain_s = st.go_ns ? (end_ns - st.go_ns) / 1e9 : 0;
  uint64_t lost = 0, dup = 0, foreign = 0;
  for (auto& [cid, vi] : st.visitor_of) {
    auto it = st.assigned.find(cid);
    if (it == st.assigned.end()) ++lost;
    else if (it->second > 1) dup += it->second - 1;
  }
  for (auto& [cid, n] : st.assigned)
    if (!st.visitor_of.count(cid)) foreign += n;
  const int dispatched = st.served - st.initial_assigned;
  const bool ok = fatal.empty() && !deadline_hit && lost == 0 && dup == 0 &&
                  st.served == opt.visitors;
  j["agents"] = opt.agents;
  j["visitors"] = opt.visitors;
  j["capacity"] = opt.capacity;
  j["in_flight"] = opt.in_flight;
  j["complete"] = ok;
  j["total_s"] = std::round(drain_s * 1000) / 1000;
  j["served"] = st.served;
  j["lost"] = lost;
  j["duplicates"] = dup;
  j["foreign_assigned"] = foreign;
  j["assigned_before_drain"] = st.initial_assigned;
  j["dispatched_in_drain"] = dispatched;
  j["dispatches_per_s"] = drain_s > 0 ? std::round(dispatched / drain_s) : 0.0;
  j["closes_sent"] = st.closes_sent;
  j["closes_answered"] = st.closes_answered;
  j["dispatch_latency_ms"] = latency_summary(st.dispatch_ns);
  j["server_dispatch_ms"] = bucket_quantiles(st.server_buckets_before, st.server_buckets_after);
  const double sockets = opt.agents;
  ordered_json q;
  q["frames"] = st.queue[1].frames;
  q["bytes"] = st.queue[1].bytes;
  q["max_frame_bytes"] = st.queue[1].max_bytes;
  q["frames_per_s_per_socket"] =
      drain_s > 0 ? std::round(st.queue[1].frames / sockets / drain_s * 10) / 10 : 0.0;
  q["bytes_per_s"] = drain_s > 0 ? std::round(st.queue[1].bytes / drain_s) : 0.0;
  q["setup_frames"] = st.queue[0].frames;
  q["setup_bytes"] = st.queue[0].bytes;
  q["after_frames"] = st.queue[2].frames;
  // The coalescing as one socket sees it: gaps between consecutive queue frames.
  q["gap_ms_agent0"] = latency_summary(st.queue_gaps_ns);
  uint64_t short_gaps = 0;
  for (auto g : st.queue_gaps_ns) short_gaps += g < 40'000'000;
  if (st.queue_gaps_ns.empty()) q["gap_ms_agent0"]["min"] = nullptr;
  else q["gap_ms_agent0"]["min"] = to_ms(*std::min_element(st.queue_gaps_ns.begin(), st.queue_gaps_ns.end()));
  q["gaps_under_40ms_agent0"] = short_gaps;
  q["last_total"] = st.last_queue_total;
  j["queue_fanout"] = q;
  ordered_json pr;
  pr["frames"] = st.presence[1].frames;
  pr["bytes"] = st.presence[1].bytes;
  pr["frames_per_s_per_socket"] =
      drain_s > 0 ? std::round(st.presence[1].frames / sockets / drain_s * 10) / 10 : 0.0;
  pr["setup_frames"] = st.presence[0].frames;
  pr["after_frames"] = st.presence[2].frames;
  j["presence_fanout"] = pr;
  j["other_agent_frames"] = st.other_agent.frames;
  j["visitor_queue_position_frames"] = st.queue_position.frames;
  j["visitor_queue_position_bytes"] = st.queue_position.bytes;
  j["visitor_status_frames"] = st.visitor_status.frames;
  uint64_t never_active = 0;
  for (auto& v : visitors) never_active += !v.conversation_id.empty() && v.active_frames == 0;
  j["visitor_active_status_frames"] = st.active_status;
  j["visitor_active_status_missing"] = never_active;
  j["visitor_active_status_dup"] = st.dup_active;
  if (st.cpu_go_us && st.cpu_served_us) {
    const double us = *st.cpu_served_us - *st.cpu_go_us;
    j["server_cpu_s"] = std::round(us / 1e3) / 1e3;
    j["server_cpu_us_per_dispatch"] = dispatched > 0 ? std::round(us / dispatched) : 0.0;
  } else {
    j["server_cpu_s"] = nullptr;
    j["server_cpu_us_per_dispatch"] = nullptr;
  }
  if (st.all_served_ns)
    j["bench_cpu_us_per_dispatch"] =
        dispatched > 0 ? std::round((st.self_cpu_served_s - st.self_cpu_go_s) * 1e6 / dispatched) : 0.0;
  j["setup_s"] = phases;
  j["socket_closes"] = st.socket_closes;
  j["errors"] = g_errors.count;
  j["error_kinds"] = g_errors.by_kind;
  j["error_samples"] = g_errors.samples;
  if (deadline_hit) j["deadline_hit"] = true;
  if (!fatal.empty()) j["fatal"] = fatal;
  return j;
}

}  // namespace

int main(int argc, char** argv) {
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
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &lim);
  }
  net::io_context ioc(1);
  try {
    tcp::resolver resolver(ioc);
    auto results = resolver.resolve(opt.host, std::to_string(opt.port));
    g_target.endpoint = results.begin()->endpoint();
    for (const auto& r : results)
      if (r.endpoint().address().is_v4()) {
        g_target.endpoint = r.endpoint();
        break;
      }
  } catch (const std::exception& e) {
    std::cerr << "router_bench: cannot resolve " << opt.host << ": " << e.what() << "\n";
    return 2;
  }
  g_target.host_header = opt.host + ":" + std::to_string(opt.port);

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
