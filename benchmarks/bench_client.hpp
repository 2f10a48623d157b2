#pragma once
// The client side of a Switchboard server as the load generators (switchboard_loadgen,
// router_bench) talk to it: the sb_bench_client library. The Beast code that both need (HTTP
// request, WebSocket connect/handshake, waiting for a frame, closing) is compiled once, in
// bench_client.cpp; callers still use the ws_stream directly on their hot paths.
//
//   server_target, resolve_endpoint  where the server is and how requests present themselves
//   http_call                        one HTTP/1.1 request on its own connection -> status, body
//   connect_ws                       TCP connect (optionally from a chosen source address) and
//                                    WebSocket upgrade, with the options every bench socket uses
//   ws_write, ws_read                write / read one frame (setup and idle sockets; hot paths
//                                    use the stream directly)
//   read_until                       read frames until one of a given type; an error frame throws
//   close_ws                         a normal close, bounded to 2 s, errors ignored
//   sleep_for                        a timer wait on the current executor
//   buffer_view, frame_type,         frame helpers: a buffer as text, the first "type" of a
//   json_string                      compact frame without parsing, a string field or ""
//   url_encode, visitor_ws_path,     the requests both tools build: the visitor socket's path,
//   login_body, k_visitor_hello,     the login body, the visitor's and the agent's hello frames
//   agent_hello_frame
//
// The coroutines take references (the stream, the buffer, the server): pass objects that
// outlive the call, as the programs do with their global target and their sessions' members.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "benchmarks/bench_stats.hpp"

namespace sb::bench {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using ws_stream = websocket::stream<beast::tcp_stream>;
using namespace std::chrono_literals;

// Set up once before the io_context runs; read-only afterwards.
struct server_target {
  tcp::endpoint endpoint;
  std::string host_header;                  // Host of every request: "host:port"
  std::string user_agent;                   // User-Agent of HTTP requests and WebSocket upgrades
  clock_type::duration http_timeout = 15s;  // connect + request + response of one http_call
};

// The first IPv4 address of host:port, else the first one. Throws when there is none.
tcp::endpoint resolve_endpoint(net::io_context& ioc, const std::string& host, uint16_t port);

struct http_result {
  unsigned status = 0;
  std::string body;
};

// One request with a JSON body (Content-Type application/json) on a fresh connection, closed
// afterwards; `token`, when not empty, goes in "Authorization: Bearer". Throws on I/O errors.
net::awaitable<http_result> http_call(const server_target& server, http::verb verb,
                                      std::string target, std::string body, std::string token);

// Connects (10 s) and upgrades `ws` to `path`. `local` binds a source address first, with
// IP_BIND_ADDRESS_NO_PORT so each source address gets a whole ephemeral port range. The socket
// gets TCP_NODELAY, a 10 s handshake timeout, no idle timeout or keep-alive pings, Origin
// http://localhost, a 16 MiB message limit and text frames.
net::awaitable<void> connect_ws(const server_target& server, ws_stream& ws, std::string path,
                                std::optional<net::ip::address> local = std::nullopt);

// Reads frames until one whose "type" is `want` and returns it parsed; an "error" frame
// throws. The whole wait is bounded by `timeout`. `may_matter`, when given, skips frames it
// says false for without parsing them (it must never say false for `want` or "error").
net::awaitable<json> read_until(ws_stream& ws, beast::flat_buffer& buf, std::string want,
                                clock_type::duration timeout,
                                bool (*may_matter)(std::string_view) = nullptr);

// Writes one text frame; throws on error. Not for hot paths (one more coroutine frame a write:
// those call ws.async_write themselves).
net::awaitable<void> ws_write(ws_stream& ws, const std::string& text);

// Reads one frame, appended to `buf`; the error is returned, not thrown. Not for hot paths.
net::awaitable<beast::error_code> ws_read(ws_stream& ws, beast::flat_buffer& buf);

// Sends a normal close and waits for the peer's (at most 2 s); a no-op on a closed socket.
net::awaitable<void> close_ws(ws_stream& ws);

net::awaitable<void> sleep_for(clock_type::duration d);

inline std::string_view buffer_view(const beast::flat_buffer& b) {
  return {static_cast<const char*>(b.data().data()), b.size()};
}

// The X of the first `"type":"X"` in compact JSON, without parsing ("" when there is none):
// the frame's type unless a nested object with a "type" of its own comes first. That holds for
// every frame router_bench reads after setup (it tells queue frames by their prefix first).
inline std::string_view frame_type(std::string_view s) {
  static constexpr std::string_view key = "\"type\":\"";
  size_t p = s.find(key);
  if (p == std::string_view::npos) return {};
  p += key.size();
  size_t e = s.find('"', p);
  return e == std::string_view::npos ? std::string_view{} : s.substr(p, e - p);
}

// j[key] when it is a string, else "".
inline std::string json_string(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

// Percent-encodes everything but RFC 3986 unreserved characters.
std::string url_encode(std::string_view s);

// "/ws/visitor?site_key=<key>"
std::string visitor_ws_path(std::string_view site_key);

// {"email":..,"password":..} for POST /api/v1/auth/login
std::string login_body(const std::string& email, const std::string& password);

// The visitor's hello (a new, anonymous visitor) and the agent's (with a staff token).
extern const std::string k_visitor_hello;
std::string agent_hello_frame(const std::string& token);

}  // namespace sb::bench
