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
#include <netinet/in.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24  // linux/in.h; glibc's netinet/in.h lacks it
#endif

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
using strand_type = net::strand<net::io_context::executor_type>;

// ---------------------------------------------------------------------------------------------
// Time: nanoseconds since program start, so records stay 8 bytes per timestamp.

const clock_type::time_point g_epoch = clock_type::now();

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now() - g_epoch).count();
}
clock_type::time_point to_time_point(int64_t ns) { return g_epoch + std::chrono::nanoseconds(ns); }
constexpr int64_t k_sec = 1'000'000'000;

// ---------------------------------------------------------------------------------------------
// Options

enum class run_mode { closed, open, idle };

struct options {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  std::string email;
  std::string password;
  std::string site_key;  // optional: skip widget creation
  run_mode mode = run_mode::closed;
  int pairs = 100;
  double rate = 5000;
  double duration_s = 10;
  double warmup_s = 1;
  int window = 8;
  int sockets = 1000;
  int source_addrs = 0;
  int server_pid = 0;
  int concurrency = 200;
  int message_bytes = 32;
  int threads = 1;
  bool accept = false;
  double deadline_s = 0;  // 0 = derived
  std::string output;
  std::string trace;
};

constexpr const char* k_help = R"(switchboard_loadgen - WebSocket load generator for Switchboard

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

bool parse_number(std::string_view s, double& out) {
  try {
    size_t used = 0;
    out = std::stod(std::string(s), &used);
    return used == s.size() && std::isfinite(out);
  } catch (...) {
    return false;
  }
}

bool parse_int(std::string_view s, int& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

// Returns an error message, empty on success. Sets `help` when --help was asked for.
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

// ---------------------------------------------------------------------------------------------
// Shared state touched from several strands (atomics or the mutex only).

struct error_log {
  std::atomic<uint64_t> count{0};
  std::mutex mu;
  std::map<std::string, uint64_t> by_kind;
  std::vector<std::string> samples;

  void add(const std::string& kind, const std::string& detail) {
    count.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard lock(mu);
    ++by_kind[kind];
    if (samples.size() < 8) samples.push_back(kind + ": " + detail);
  }
};

error_log g_errors;
std::atomic<uint64_t> g_sent{0};
std::atomic<uint64_t> g_delivered{0};
std::atomic<bool> g_stop_sending{false};
std::atomic<bool> g_closing{false};
std::atomic<const char*> g_phase{"start"};

// Times shared with every pair. Written by the controller before it posts "go" to the pairs.
struct run_clock {
  int64_t start_ns = 0;
  int64_t warmup_end_ns = 0;
  int64_t measure_end_ns = 0;
  int64_t drain_end_ns = 0;  // written after every pair stopped sending; read after ioc stopped
};
run_clock g_clock;

// Set up once in main before the io_context runs; read-only afterwards.
struct target {
  tcp::endpoint endpoint;
  std::string host_header;
  std::string site_key;
  std::string token;
  std::string message_text;
};
target g_target;

// ---------------------------------------------------------------------------------------------
// Helpers

net::awaitable<void> sleep_for(clock_type::duration d) {
  net::steady_timer t(co_await net::this_coro::executor);
  t.expires_after(d);
  beast::error_code ec;
  co_await t.async_wait(net::redirect_error(net::use_awaitable, ec));
}

std::string url_encode(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string_view buffer_view(const beast::flat_buffer& b) {
  return {static_cast<const char*>(b.data().data()), b.size()};
}

// Cheap pre-filter so frames we never look at (queue, typing, stats, read, pong, assigned...)
// are not parsed: true when some `"type":"X"` in the text has an X we handle, or when no type
// key is found at all (then the full parse decides). Never false for a frame we handle, since
// JSON string contents cannot contain an unescaped quote.
bool frame_may_matter(std::string_view s) {
  static constexpr std::string_view key = "\"type\"";
  bool found = false;
  for (size_t pos = s.find(key); pos != std::string_view::npos; pos = s.find(key, pos + 1)) {
    size_t i = pos + key.size();
    auto skip_ws = [&] {
      while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
    };
    skip_ws();
    if (i >= s.size() || s[i] != ':') continue;
    ++i;
    skip_ws();
    if (i >= s.size() || s[i] != '"') continue;
    ++i;
    size_t end = s.find('"', i);
    if (end == std::string_view::npos) continue;
    found = true;
    std::string_view v = s.substr(i, end - i);
    if (v == "message" || v == "ack" || v == "status" || v == "error" || v == "welcome" ||
        v == "pong")
      return true;
  }
  return !found;
}

std::string json_string(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

int64_t json_int(const json& j, const char* key, int64_t fallback = -1) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return fallback;
  return it->get<int64_t>();
}

// Conversation ids are opaque: compare them as strings, whatever JSON type the server uses.
std::string json_id(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return {};
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

// The few top-level fields the hot path reads from ack/message/status frames, found by one
// pass over the text instead of building a DOM (the load generator shares the CPU with the
// server, so every microsecond it spends per frame is taken from the server). Strings with
// escapes, non-string ids or anything unexpected make scan() fail and the caller falls back to
// a full parse.
struct hot_fields {
  std::string_view type, client_msg_id, conversation_id;
  int64_t seq = -1;

  bool scan(std::string_view s) {
    size_t i = 0;
    auto ws = [&] {
      while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t')) ++i;
    };
    // A string at s[i] == '"'; sets `out` to its contents, fails on escapes when `plain`.
    auto str = [&](std::string_view* out, bool plain) {
      size_t start = ++i;
      bool escaped = false;
      for (; i < s.size() && s[i] != '"'; ++i)
        if (s[i] == '\\') escaped = true, ++i;
      if (i >= s.size() || (plain && escaped)) return false;
      if (out) *out = s.substr(start, i - start);
      ++i;
      return true;
    };
    // Any value, skipped (nested objects/arrays by depth, strings may hold brackets).
    auto skip = [&] {
      int depth = 0;
      do {
        if (i >= s.size()) return false;
        char c = s[i];
        if (c == '"') {
          if (!str(nullptr, false)) return false;
          continue;
        }
        if (c == '{' || c == '[') ++depth;
        else if (c == '}' || c == ']') {
          if (depth == 0) return true;  // the end of the enclosing object: value ended
          --depth;
        } else if (c == ',' && depth == 0) {
          return true;
        }
        ++i;
      } while (depth > 0 || (i < s.size() && s[i] != ',' && s[i] != '}'));
      return true;
    };
    ws();
    if (i >= s.size() || s[i] != '{') return false;
    ++i;
    for (;;) {
      ws();
      if (i < s.size() && s[i] == '}') return !type.empty();
      std::string_view key;
      if (i >= s.size() || s[i] != '"' || !str(&key, true)) return false;
      ws();
      if (i >= s.size() || s[i] != ':') return false;
      ++i;
      ws();
      std::string_view* target = key == "type"              ? &type
                                 : key == "client_msg_id"   ? &client_msg_id
                                 : key == "conversation_id" ? &conversation_id
                                                            : nullptr;
      if (target) {
        if (i >= s.size() || s[i] != '"' || !str(target, true)) return false;
      } else if (key == "seq") {
        auto [end, ec] = std::from_chars(s.data() + i, s.data() + s.size(), seq);
        if (ec != std::errc{}) return false;
        i = static_cast<size_t>(end - s.data());
      } else if (!skip()) {
        return false;
      }
      ws();
      if (i < s.size() && s[i] == ',') {
        ++i;
        continue;
      }
      if (i < s.size() && s[i] == '}') return !type.empty();
      return false;
    }
  }
};

// GCC 12 coroutine bugs met here: braced json initializers inside a co_await expression do not
// compile ("array used as initializer"), and the controller's run_state& reached its callees as a
// garbage reference (fixed by passing a pointer and hoisting co_await out of the if condition).
// So coroutines build frames and bodies with these plain functions and named constants, and the
// controller coroutines take run_state*.
const std::string k_hello_frame = R"({"type":"hello"})";
const std::string k_sync_id = "lg-sync";
const std::string k_sync_ping = R"({"type":"ping","id":"lg-sync"})";
constexpr std::string_view k_welcome = "welcome";
const std::string k_agent_target = "/ws/agent";
const std::string k_login_path = "/api/v1/auth/login";
const std::string k_widgets_path = "/api/v1/widgets";

std::string visitor_target() { return "/ws/visitor?site_key=" + url_encode(g_target.site_key); }

std::string login_body(const std::string& email, const std::string& password) {
  json j = json::object();
  j["email"] = email;
  j["password"] = password;
  return j.dump();
}

std::string widget_body() {
  json j = json::object();
  j["name"] = "loadgen";
  return j.dump();
}

std::string agent_hello_frame(const std::string& token) {
  json j = json::object();
  j["type"] = "hello";
  j["token"] = token;
  return j.dump();
}

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

// client_msg_id = "lg-<pair>-<counter>"
std::string make_client_msg_id(int pair, uint64_t counter) {
  return "lg-" + std::to_string(pair) + "-" + std::to_string(counter);
}

bool parse_client_msg_id(std::string_view id, int& pair, uint64_t& counter) {
  if (!id.starts_with("lg-")) return false;
  id.remove_prefix(3);
  size_t dash = id.find('-');
  if (dash == std::string_view::npos) return false;
  auto a = std::from_chars(id.data(), id.data() + dash, pair);
  if (a.ec != std::errc() || a.ptr != id.data() + dash) return false;
  auto b = std::from_chars(id.data() + dash + 1, id.data() + id.size(), counter);
  return b.ec == std::errc() && b.ptr == id.data() + id.size();
}

void configure_ws(ws_stream& ws) {
  websocket::stream_base::timeout t{};
  t.handshake_timeout = 10s;
  t.idle_timeout = websocket::stream_base::none();
  t.keep_alive_pings = false;
  ws.set_option(t);
  ws.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
    req.set(http::field::origin, "http://localhost");
    req.set(http::field::user_agent, "switchboard-loadgen");
  }));
  ws.read_message_max(16 * 1024 * 1024);
  ws.text(true);
}

// Connects and upgrades; `local` binds a source address (idle mode past one port range).
net::awaitable<void> connect_ws(ws_stream& ws, std::string target,
                                std::optional<net::ip::address> local = std::nullopt) {
  auto& stream = beast::get_lowest_layer(ws);
  if (local) {
    auto& sock = stream.socket();
    sock.open(g_target.endpoint.protocol());
    // Let connect() pick the port so each source address gets a whole ephemeral range.
    int one = 1;
    ::setsockopt(sock.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    sock.bind(tcp::endpoint(*local, 0));
  }
  stream.expires_after(10s);
  co_await stream.async_connect(g_target.endpoint, net::use_awaitable);
  stream.socket().set_option(tcp::no_delay(true));
  stream.expires_never();  // the websocket's own handshake timeout takes over
  configure_ws(ws);
  co_await ws.async_handshake(g_target.host_header, target, net::use_awaitable);
}

net::awaitable<void> ws_write(ws_stream& ws, const std::string& text) {
  co_await ws.async_write(net::buffer(text), net::use_awaitable);
}

// Reads frames until one of type `want`; an `error` frame throws. Bounded by `timeout`.
net::awaitable<json> read_until(ws_stream& ws, beast::flat_buffer& buf, std::string_view want,
                                clock_type::duration timeout) {
  beast::get_lowest_layer(ws).expires_after(timeout);
  for (;;) {
    buf.clear();
    co_await ws.async_read(buf, net::use_awaitable);
    std::string_view text = buffer_view(buf);
    if (!frame_may_matter(text)) continue;
    json j = json::parse(text.begin(), text.end(), nullptr, false);
    if (j.is_discarded() || !j.is_object()) continue;
    std::string type = json_string(j, "type");
    if (type == want) {
      beast::get_lowest_layer(ws).expires_never();
      co_return j;
    }
    if (type == "error")
      throw std::runtime_error("error frame while waiting for " + std::string(want) + ": " +
                               j.dump());
  }
}

struct http_result {
  unsigned status = 0;
  std::string body;
};

net::awaitable<http_result> http_call(http::verb verb, std::string target, std::string body,
                                      std::string token) {
  beast::tcp_stream stream(co_await net::this_coro::executor);
  stream.expires_after(15s);
  co_await stream.async_connect(g_target.endpoint, net::use_awaitable);
  http::request<http::string_body> req(verb, target, 11);
  req.set(http::field::host, g_target.host_header);
  req.set(http::field::user_agent, "switchboard-loadgen");
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

std::optional<long> read_rss_kb(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("VmRSS:")) {
      std::istringstream fields(line.substr(6));
      long kb = 0;
      if (fields >> kb) return kb;
    }
  }
  return std::nullopt;
}

bool is_normal_close(const beast::error_code& ec) {
  return ec == websocket::error::closed || ec == net::error::operation_aborted ||
         ec == net::error::eof || ec == beast::error::timeout;
}

// ---------------------------------------------------------------------------------------------
// One visitor socket + one agent socket watching the visitor's conversation.

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
  pair_session(net::io_context& ioc, int index, const options& opt)
      : opt_(opt),
        index_(index),
        strand_(net::make_strand(ioc)),
        visitor_(strand_),
        agent_(strand_),
        wake_(strand_),
        timer_(strand_) {}

  // The whole life of the pair, on its strand.
  net::awaitable<void> lifecycle() {
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
    co_await close_socket(visitor_);
    co_await close_socket(agent_);
    finished.store(true);
  }

  const strand_type& strand() const { return strand_; }

  // Called from the controller (any thread).
  void sync() {
    net::post(strand_, [self = shared_from_this()] {
      self->sync_requested_ = true;
      self->wake_.cancel();
    });
  }
  void go() {
    net::post(strand_, [self = shared_from_this()] {
      self->go_ = true;
      self->wake_.cancel();
    });
  }
  void request_close() {
    net::post(strand_, [self = shared_from_this()] {
      self->close_requested_ = true;
      self->wake_.cancel();
      self->timer_.cancel();
    });
  }

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
  net::awaitable<void> wait_wake(clock_type::time_point until) {
    wake_.expires_at(until);
    beast::error_code ec;
    co_await wake_.async_wait(net::redirect_error(net::use_awaitable, ec));
  }

  net::awaitable<void> setup() {
    const char* step = "visitor connect";
    try {
      co_await connect_ws(visitor_, visitor_target());
      step = "visitor hello";
      co_await ws_write(visitor_, k_hello_frame);
      co_await read_until(visitor_, vbuf_, k_welcome, 10s);

      step = "agent connect";
      co_await connect_ws(agent_, k_agent_target);
      step = "agent hello";
      const std::string agent_hello = agent_hello_frame(g_target.token);
      co_await ws_write(agent_, agent_hello);
      co_await read_until(agent_, abuf_, k_welcome, 10s);

      // The visitor's first message opens the conversation.
      step = "open conversation";
      const std::string open_id = "lg-" + std::to_string(index_) + "-open";
      const std::string open = open_frame(open_id, index_);
      co_await ws_write(visitor_, open);
      int64_t latest_seq = 0;
      beast::get_lowest_layer(visitor_).expires_after(10s);
      for (;;) {
        vbuf_.clear();
        co_await visitor_.async_read(vbuf_, net::use_awaitable);
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
  net::awaitable<void> sync_sockets() {
    beast::error_code ec;
    co_await agent_.async_write(net::buffer(k_sync_ping),
                                net::redirect_error(net::use_awaitable, ec));
    if (!ec)
      co_await visitor_.async_write(net::buffer(k_sync_ping),
                                    net::redirect_error(net::use_awaitable, ec));
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

  net::awaitable<void> close_socket(ws_stream& ws) {
    if (!ws.is_open()) co_return;
    beast::get_lowest_layer(ws).expires_after(2s);
    beast::error_code ec;
    co_await ws.async_close(websocket::close_code::normal,
                            net::redirect_error(net::use_awaitable, ec));
  }

  net::awaitable<void> send_message(int64_t sent_ns) {
    const uint64_t counter = messages.size();
    message_record rec;
    rec.sent_ns = sent_ns;
    rec.wire_ns = now_ns();
    messages.push_back(rec);
    outstanding.fetch_add(1, std::memory_order_relaxed);
    ++window_used_;
    std::string frame;
    frame.reserve(80 + g_target.message_text.size());
    frame += R"({"type":"message","client_msg_id":")";
    frame += make_client_msg_id(index_, counter);
    frame += R"(","text":")";
    frame += g_target.message_text;
    frame += R"("})";
    beast::error_code ec;
    co_await visitor_.async_write(net::buffer(frame), net::redirect_error(net::use_awaitable, ec));
    g_sent.fetch_add(1, std::memory_order_relaxed);
    if (ec) mark_dead("visitor write", ec);
  }

  net::awaitable<void> run_closed() {
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

  net::awaitable<void> run_open() {
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

  void mark_dead(const char* what, const beast::error_code& ec) {
    if (!closing_ && !g_closing.load(std::memory_order_relaxed))
      g_errors.add(std::string(what), ec.message());
    dead_ = true;
    wake_.cancel();
    timer_.cancel();
  }

  void complete(message_record& rec) {
    if (rec.done) return;
    rec.done = true;
    --window_used_;
    outstanding.fetch_sub(1, std::memory_order_relaxed);
    if (opt_.mode == run_mode::closed) wake_.cancel();
  }

  message_record* own_record(std::string_view client_msg_id) {
    int pair = -1;
    uint64_t counter = 0;
    if (!parse_client_msg_id(client_msg_id, pair, counter)) return nullptr;
    if (pair != index_ || counter >= messages.size()) return nullptr;
    return &messages[counter];
  }

  // Seq bookkeeping for message/status frames of our conversation; false for a repeat.
  bool check_seq(int64_t seq, int64_t& last, uint64_t& duplicates) {
    if (seq <= last) {
      ++duplicates;
      return false;
    }
    if (seq > last + 1) ++seq_gaps;
    last = seq;
    return true;
  }

  void on_error_frame(const json& j, const char* who) {
    g_errors.add(std::string(who) + " error frame: " + json_string(j, "code"), j.dump());
    if (auto* rec = own_record(json_string(j, "ref"))) {
      rec->rejected = true;
      complete(*rec);
    }
  }

  net::awaitable<void> visitor_reader() {
    auto self = shared_from_this();
    beast::flat_buffer buf;
    for (;;) {
      beast::error_code ec;
      co_await visitor_.async_read(buf, net::redirect_error(net::use_awaitable, ec));
      const int64_t t = now_ns();
      if (ec) {
        mark_dead("visitor read", ec);
        co_return;
      }
      std::string_view text = buffer_view(buf);
      if (frame_may_matter(text)) on_visitor_frame(text, t);
      buf.consume(buf.size());
    }
  }

  void on_visitor_frame(std::string_view text, int64_t t) {
    if (hot_fields h; h.scan(text) && h.seq >= 0) {
      if (h.type == "ack" && !h.client_msg_id.empty()) return on_visitor_ack(h.client_msg_id, h.seq, t);
      if ((h.type == "message" || h.type == "status") && !h.conversation_id.empty())
        return on_visitor_event(h.type, h.conversation_id, h.seq, h.client_msg_id);
    }
    json j = json::parse(text.begin(), text.end(), nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      g_errors.add("visitor bad frame", std::string(text.substr(0, 200)));
      return;
    }
    const std::string type = json_string(j, "type");
    if (type == "ack") {
      on_visitor_ack(json_string(j, "client_msg_id"), json_int(j, "seq", 0), t);
    } else if (type == "message" || type == "status") {
      on_visitor_event(type, json_id(j, "conversation_id"), json_int(j, "seq", 0),
                       json_string(j, "client_msg_id"));
    } else if (type == "error") {
      on_error_frame(j, "visitor");
    } else if (type == "pong" && json_string(j, "id") == k_sync_id) {
      visitor_synced_ = true;
      wake_.cancel();
    }
  }

  void on_visitor_ack(std::string_view client_msg_id, int64_t seq, int64_t t) {
    message_record* rec = own_record(client_msg_id);
    if (!rec) return;
    if (++rec->acks > 1) {
      ++duplicate_acks;
      return;
    }
    rec->ack_ns = t;
    rec->ack_seq = seq;
    if (rec->deliveries > 0) complete(*rec);
  }

  void on_visitor_event(std::string_view type, std::string_view conversation_id, int64_t seq,
                        std::string_view client_msg_id) {
    if (conversation_id != conversation_id_) {
      ++foreign_frames;
      return;
    }
    if (!check_seq(seq, visitor_last_seq_, visitor_duplicate_frames)) return;
    // The contract gives the author its ack before the message frame.
    if (type == "message") {
      message_record* rec = own_record(client_msg_id);
      if (rec && rec->acks == 0) ++echo_before_ack;
    }
  }

  net::awaitable<void> agent_reader() {
    auto self = shared_from_this();
    beast::flat_buffer buf;
    for (;;) {
      beast::error_code ec;
      co_await agent_.async_read(buf, net::redirect_error(net::use_awaitable, ec));
      const int64_t t = now_ns();
      if (ec) {
        if (!closing_ && !g_closing.load(std::memory_order_relaxed) && !is_normal_close(ec))
          g_errors.add("agent read", ec.message());
        else if (!closing_ && !g_closing.load(std::memory_order_relaxed))
          g_errors.add("agent closed", ec.message());
        dead_ = true;
        co_return;
      }
      std::string_view text = buffer_view(buf);
      if (frame_may_matter(text)) on_agent_frame(text, t);
      buf.consume(buf.size());
    }
  }

  void on_agent_frame(std::string_view text, int64_t t) {
    if (hot_fields h; h.scan(text) && h.seq >= 0 && !h.conversation_id.empty() &&
                      (h.type == "message" || h.type == "status"))
      return on_agent_event(h.type, h.conversation_id, h.seq, h.client_msg_id, t);
    json j = json::parse(text.begin(), text.end(), nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      g_errors.add("agent bad frame", std::string(text.substr(0, 200)));
      return;
    }
    const std::string type = json_string(j, "type");
    if (type == "message" || type == "status") {
      on_agent_event(type, json_id(j, "conversation_id"), json_int(j, "seq", 0),
                     json_string(j, "client_msg_id"), t);
    } else if (type == "error") {
      on_error_frame(j, "agent");
    } else if (type == "pong" && json_string(j, "id") == k_sync_id) {
      agent_synced_ = true;
      wake_.cancel();
    }
  }

  void on_agent_event(std::string_view type, std::string_view conversation_id, int64_t seq,
                      std::string_view client_msg_id, int64_t t) {
    if (conversation_id != conversation_id_) {
      ++foreign_frames;
      return;
    }
    if (!check_seq(seq, agent_last_seq_, agent_duplicate_frames)) return;
    if (type != "message") return;
    message_record* rec = own_record(client_msg_id);
    if (!rec) return;
    if (++rec->deliveries > 1) {
      ++agent_duplicate_frames;  // same client_msg_id under a new seq: stored twice
      return;
    }
    rec->deliver_ns = t;
    g_delivered.fetch_add(1, std::memory_order_relaxed);
    if (rec->acks > 0) complete(*rec);
  }

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

// ---------------------------------------------------------------------------------------------
// Idle mode: one visitor socket, held open with a pending read (Beast answers server pings).

struct idle_counters {
  std::atomic<int> in_flight{0};
  std::atomic<int> opened{0};
  std::atomic<int> failed{0};
  std::atomic<int> dropped{0};
  std::atomic<int> closed{0};
};
idle_counters g_idle;

class idle_socket : public std::enable_shared_from_this<idle_socket> {
 public:
  idle_socket(net::io_context& ioc, std::optional<net::ip::address> local)
      : local_(local), strand_(net::make_strand(ioc)), ws_(strand_) {}

  net::awaitable<void> run() {
    auto self = shared_from_this();
    bool ok = false;
    try {
      co_await connect_ws(ws_, visitor_target(), local_);
      co_await ws_write(ws_, k_hello_frame);
      co_await read_until(ws_, buf_, k_welcome, 10s);
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
      beast::error_code ec;
      co_await ws_.async_read(buf_, net::redirect_error(net::use_awaitable, ec));
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
      beast::get_lowest_layer(self->ws_).expires_after(2s);
      self->ws_.async_close(websocket::close_code::normal, [self](beast::error_code) {});
    });
  }

 private:
  std::optional<net::ip::address> local_;
  strand_type strand_;
  ws_stream ws_;
  beast::flat_buffer buf_;
  bool closing_ = false;
};

// ---------------------------------------------------------------------------------------------
// Controller

struct run_state {
  const options& opt;
  net::io_context& ioc;
  std::vector<std::shared_ptr<pair_session>> pairs;
  std::vector<std::shared_ptr<idle_socket>> idle;
  std::optional<long> rss_before_kb;
  std::optional<long> rss_after_kb;
  std::string fatal;  // setup failure that makes the run meaningless
  bool complete = false;
};

net::awaitable<bool> login_and_widget(run_state* st_ptr) {
  run_state& st = *st_ptr;
  g_phase = "login";
  try {
    if (!st.opt.email.empty()) {
      const std::string body = login_body(st.opt.email, st.opt.password);
      auto res = co_await http_call(http::verb::post, k_login_path, body, std::string());
      if (res.status != 200) {
        st.fatal = "login failed: HTTP " + std::to_string(res.status) + " " + res.body;
        co_return false;
      }
      g_target.token = json_string(json::parse(res.body), "token");
      if (g_target.token.empty()) {
        st.fatal = "login answer has no token: " + res.body;
        co_return false;
      }
    }
    if (g_target.site_key.empty()) {
      const std::string body = widget_body();
      auto res = co_await http_call(http::verb::post, k_widgets_path, body, g_target.token);
      if (res.status != 200 && res.status != 201) {
        st.fatal = "widget creation failed: HTTP " + std::to_string(res.status) + " " + res.body;
        co_return false;
      }
      g_target.site_key = json_string(json::parse(res.body), "site_key");
      if (g_target.site_key.empty()) {
        st.fatal = "widget answer has no site_key: " + res.body;
        co_return false;
      }
    }
  } catch (const std::exception& e) {
    st.fatal = std::string("setup HTTP call failed: ") + e.what();
    co_return false;
  }
  co_return true;
}

net::awaitable<void> run_pairs(run_state* st_ptr) {
  run_state& st = *st_ptr;
  const options& opt = st.opt;
  g_phase = "setup";
  for (int i = 0; i < opt.pairs; ++i)
    st.pairs.push_back(std::make_shared<pair_session>(st.ioc, i, opt));

  // Bounded setup concurrency: start a pair only while fewer than --concurrency are in setup.
  int started = 0;
  for (;;) {
    int in_setup = 0, finished = 0;
    for (int i = 0; i < started; ++i) {
      if (st.pairs[i]->setup_finished.load())
        ++finished;
      else
        ++in_setup;
    }
    while (started < opt.pairs && in_setup < opt.concurrency) {
      auto p = st.pairs[started++];
      net::co_spawn(
          p->strand(), [p]() { return p->lifecycle(); }, net::detached);
      ++in_setup;
    }
    if (finished == opt.pairs) break;
    co_await sleep_for(5ms);
  }
  int ready = 0;
  for (auto& p : st.pairs) ready += p->ready.load() ? 1 : 0;
  std::cerr << "loadgen: " << ready << "/" << opt.pairs << " pairs ready\n";
  if (ready == 0) {
    st.fatal = "no pair could be set up";
    for (auto& p : st.pairs) p->request_close();
    co_return;
  }

  // Sync: let every socket read what the server queued during setup.
  g_phase = "sync";
  const int64_t sync_start = now_ns();
  for (auto& p : st.pairs)
    if (p->ready.load()) p->sync();
  for (;;) {
    bool all = true;
    for (auto& p : st.pairs) all = all && (!p->ready.load() || p->synced.load());
    if (all || now_ns() - sync_start > 15 * k_sec) break;
    co_await sleep_for(5ms);
  }
  std::cerr << "loadgen: sockets synced in " << (now_ns() - sync_start) / 1e6 << " ms\n";

  // Go. Everything before warmup_end is warmup.
  const int64_t start = now_ns() + 20'000'000;
  g_clock.start_ns = start;
  g_clock.warmup_end_ns = start + static_cast<int64_t>(opt.warmup_s * k_sec);
  g_clock.measure_end_ns = g_clock.warmup_end_ns + static_cast<int64_t>(opt.duration_s * k_sec);
  for (auto& p : st.pairs)
    if (p->ready.load()) p->go();

  g_phase = "warmup";
  int64_t next_report = start + k_sec;
  uint64_t last_delivered = 0;
  while (now_ns() < g_clock.measure_end_ns) {
    co_await sleep_for(std::chrono::nanoseconds(
        std::clamp<int64_t>(std::min(next_report, g_clock.measure_end_ns) - now_ns(), 0, k_sec)));
    if (now_ns() >= g_clock.warmup_end_ns) g_phase = "measure";
    if (now_ns() >= next_report) {
      uint64_t d = g_delivered.load();
      std::cerr << "loadgen: t=" << (next_report - start) / k_sec << "s sent=" << g_sent.load()
                << " delivered=" << d << " (+" << d - last_delivered << "/s)"
                << " errors=" << g_errors.count.load() << "\n";
      last_delivered = d;
      next_report += k_sec;
    }
  }

  // Drain: up to 5 s for writers to finish and every message to be acked and delivered.
  g_phase = "drain";
  const int64_t drain_limit = g_clock.measure_end_ns + 5 * k_sec;
  for (;;) {
    bool writers_done = true;
    int64_t outstanding = 0;
    for (auto& p : st.pairs) {
      if (!p->ready.load()) continue;
      writers_done = writers_done && p->writer_done.load();
      outstanding += p->outstanding.load();
    }
    if ((writers_done && outstanding == 0) || now_ns() >= drain_limit) break;
    co_await sleep_for(10ms);
  }
  g_stop_sending = true;
  g_clock.drain_end_ns = now_ns();

  g_phase = "close";
  g_closing = true;
  for (auto& p : st.pairs) p->request_close();
  const int64_t close_limit = now_ns() + 3 * k_sec;
  for (;;) {
    bool all = true;
    for (auto& p : st.pairs) all = all && p->finished.load();
    if (all || now_ns() >= close_limit) break;
    co_await sleep_for(10ms);
  }
}

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

net::awaitable<void> controller(run_state* st_ptr) {
  run_state& st = *st_ptr;
  const bool logged_in = co_await login_and_widget(st_ptr);
  if (logged_in) {
    if (st.opt.mode == run_mode::idle) {
      co_await run_idle(st_ptr);
    } else {
      co_await run_pairs(st_ptr);
    }
    st.complete = st.fatal.empty();
  }
  g_phase = "done";
  st.ioc.stop();
}

// ---------------------------------------------------------------------------------------------
// Report

double to_ms(int64_t ns) { return std::round(ns / 1000.0) / 1000.0; }

// Exact nearest-rank percentiles over every sample.
ordered_json latency_summary(std::vector<int64_t>& v) {
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

// CPU the load generator itself used: near threads x wall time means it, not the server, was
// the bottleneck.
void add_self_usage(ordered_json& j) {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  const double cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
                     ru.ru_stime.tv_usec / 1e6;
  j["loadgen_cpu_s"] = std::round(cpu * 1000) / 1000;
  j["wall_s"] = std::round(now_ns() / 1e6) / 1000;
}

ordered_json error_json() {
  std::lock_guard lock(g_errors.mu);
  ordered_json kinds = ordered_json::object();
  for (auto& [k, n] : g_errors.by_kind) kinds[k] = n;
  return kinds;
}

ordered_json pairs_report(run_state& st) {
  const options& opt = st.opt;
  // If the deadline cut the run short, drain_end is unset: count what arrived until now.
  const int64_t cutoff = g_clock.drain_end_ns ? g_clock.drain_end_ns : now_ns();
  uint64_t sent = 0, acked = 0, delivered = 0, lost = 0, lost_unacked = 0, lost_undelivered = 0,
           rejected = 0, window_delivered = 0, agent_before_ack = 0, echo_before_ack = 0;
  uint64_t dup_agent = 0, dup_visitor = 0, dup_acks = 0, gaps = 0, foreign = 0;
  int ready = 0;
  std::vector<int64_t> ack_lat, deliver_lat;
  std::ofstream trace;
  if (!opt.trace.empty()) trace.open(opt.trace);
  int pair_index = -1;
  for (auto& p : st.pairs) {
    ++pair_index;
    if (!p->ready.load()) continue;
    ++ready;
    std::vector<int64_t> ack_seqs;
    ack_seqs.reserve(p->messages.size());
    for (const message_record& r : p->messages) {
      ++sent;
      const bool was_acked = r.acks > 0 && r.ack_ns <= cutoff;
      const bool was_delivered = r.deliveries > 0 && r.deliver_ns <= cutoff;
      acked += was_acked;
      delivered += was_delivered;
      if (r.acks > 0) ack_seqs.push_back(r.ack_seq);
      if (r.deliveries > 0 && (r.acks == 0 || r.deliver_ns < r.ack_ns)) ++agent_before_ack;
      if (r.rejected) {
        ++rejected;
      } else if (!was_acked || !was_delivered) {
        ++lost;
        lost_unacked += !was_acked;
        lost_undelivered += !was_delivered;
      }
      const bool measured =
          r.sent_ns >= g_clock.warmup_end_ns && r.sent_ns < g_clock.measure_end_ns;
      if (measured && trace)
        trace << pair_index << ' ' << r.sent_ns / 1000 << ' ' << (was_acked ? r.ack_ns / 1000 : 0)
              << ' ' << (was_delivered ? r.deliver_ns / 1000 : 0) << ' ' << r.wire_ns / 1000
              << '\n';
      if (measured && was_acked) ack_lat.push_back(r.ack_ns - r.sent_ns);
      if (measured && was_delivered) deliver_lat.push_back(r.deliver_ns - r.sent_ns);
      if (was_delivered && r.deliver_ns >= g_clock.warmup_end_ns &&
          r.deliver_ns < g_clock.measure_end_ns)
        ++window_delivered;
    }
    std::sort(ack_seqs.begin(), ack_seqs.end());
    for (size_t i = 1; i < ack_seqs.size(); ++i) dup_acks += ack_seqs[i] == ack_seqs[i - 1];
    dup_acks += p->duplicate_acks;
    dup_agent += p->agent_duplicate_frames;
    dup_visitor += p->visitor_duplicate_frames;
    gaps += p->seq_gaps;
    foreign += p->foreign_frames;
    echo_before_ack += p->echo_before_ack;
  }
  // The measured window, shortened if the deadline cut the run.
  const int64_t window_end = std::min(cutoff, g_clock.measure_end_ns);
  const double window_s =
      g_clock.start_ns == 0 ? 0 : std::max<int64_t>(0, window_end - g_clock.warmup_end_ns) / 1e9;

  ordered_json j;
  j["mode"] = opt.mode == run_mode::closed ? "closed" : "open";
  j["pairs"] = opt.pairs;
  j["rate_target"] = opt.mode == run_mode::open ? ordered_json(opt.rate) : ordered_json(nullptr);
  j["duration_s"] = opt.duration_s;
  j["sent"] = sent;
  j["acked"] = acked;
  j["delivered"] = delivered;
  j["lost"] = lost;
  j["duplicates"] = dup_agent + dup_visitor + dup_acks;
  j["errors"] = g_errors.count.load();
  j["throughput_delivered_per_s"] =
      window_s > 0 ? std::round(window_delivered / window_s * 10) / 10 : 0.0;
  j["ack_latency_ms"] = latency_summary(ack_lat);
  j["deliver_latency_ms"] = latency_summary(deliver_lat);
  j["complete"] = st.complete;
  j["phase"] = g_phase.load();
  j["pairs_ready"] = ready;
  j["window"] = opt.mode == run_mode::closed ? ordered_json(opt.window) : ordered_json(nullptr);
  j["warmup_s"] = opt.warmup_s;
  j["threads"] = opt.threads;
  j["message_bytes"] = opt.message_bytes;
  j["rejected"] = rejected;
  j["lost_detail"] = {{"unacked", lost_unacked}, {"undelivered", lost_undelivered}};
  j["duplicates_detail"] = {
      {"agent", dup_agent}, {"visitor_frames", dup_visitor}, {"acks", dup_acks}};
  j["seq_gaps"] = gaps;
  j["foreign_frames"] = foreign;
  // Ordering: the author's own message frame before its ack breaks the contract; the agent
  // receiving a message before the author's ack is allowed but worth knowing (ack = durable).
  j["visitor_message_before_ack"] = echo_before_ack;
  j["agent_received_before_ack"] = agent_before_ack;
  add_self_usage(j);
  j["error_kinds"] = error_json();
  {
    std::lock_guard lock(g_errors.mu);
    j["error_samples"] = g_errors.samples;
  }
  if (!st.fatal.empty()) j["fatal"] = st.fatal;
  return j;
}

ordered_json idle_report(run_state& st) {
  const options& opt = st.opt;
  ordered_json j;
  j["mode"] = "idle";
  j["sockets"] = opt.sockets;
  j["opened"] = g_idle.opened.load();
  j["failed"] = g_idle.failed.load() + (opt.sockets - static_cast<int>(st.idle.size()));
  j["dropped"] = g_idle.dropped.load();
  j["rss_before_kb"] = st.rss_before_kb ? ordered_json(*st.rss_before_kb) : ordered_json(nullptr);
  j["rss_after_kb"] = st.rss_after_kb ? ordered_json(*st.rss_after_kb) : ordered_json(nullptr);
  const int opened = g_idle.opened.load();
  if (st.rss_before_kb && st.rss_after_kb && opened > 0)
    j["rss_per_socket_bytes"] =
        std::round((*st.rss_after_kb - *st.rss_before_kb) * 1024.0 / opened);
  else
    j["rss_per_socket_bytes"] = nullptr;
  j["hold_s"] = opt.duration_s;
  j["source_addrs"] = opt.source_addrs;
  add_self_usage(j);
  j["complete"] = st.complete;
  j["phase"] = g_phase.load();
  j["errors"] = g_errors.count.load();
  j["error_kinds"] = error_json();
  {
    std::lock_guard lock(g_errors.mu);
    j["error_samples"] = g_errors.samples;
  }
  if (!st.fatal.empty()) j["fatal"] = st.fatal;
  return j;
}

void raise_fd_limit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  if (lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &lim) != 0) std::perror("loadgen: setrlimit(RLIMIT_NOFILE)");
  }
  ::getrlimit(RLIMIT_NOFILE, &lim);
  std::cerr << "loadgen: RLIMIT_NOFILE " << lim.rlim_cur << "\n";
}

}  // namespace

int main(int argc, char** argv) {
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
  raise_fd_limit();
  if (opt.mode == run_mode::idle) {
    rlimit lim{};
    ::getrlimit(RLIMIT_NOFILE, &lim);
    if (static_cast<rlim_t>(opt.sockets) + 64 > lim.rlim_cur)
      std::cerr << "loadgen: warning: --sockets " << opt.sockets << " exceeds the fd limit\n";
  }

  net::io_context ioc(opt.threads);
  try {
    tcp::resolver resolver(ioc);
    auto results = resolver.resolve(opt.host, std::to_string(opt.port));
    if (results.empty()) throw std::runtime_error("no address");
    g_target.endpoint = results.begin()->endpoint();
    for (const auto& r : results)
      if (r.endpoint().address().is_v4()) {
        g_target.endpoint = r.endpoint();
        break;
      }
  } catch (const std::exception& e) {
    std::cerr << "switchboard_loadgen: cannot resolve " << opt.host << ": " << e.what() << "\n";
    return 2;
  }
  if (opt.source_addrs > 0 && !g_target.endpoint.address().is_loopback())
    std::cerr
        << "loadgen: warning: --source-addrs binds 127.0.0.x, but the server is not on loopback\n";
  g_target.host_header = opt.host + ":" + std::to_string(opt.port);
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
