#include "benchmarks/bench_client.hpp"

#include <netinet/in.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <cctype>
#include <stdexcept>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24  // linux/in.h; glibc's netinet/in.h lacks it
#endif

namespace sb::bench {

const std::string k_visitor_hello = R"({"type":"hello"})";

tcp::endpoint resolve_endpoint(net::io_context& ioc, const std::string& host, uint16_t port) {
  tcp::resolver resolver(ioc);
  auto results = resolver.resolve(host, std::to_string(port));
  if (results.empty()) throw std::runtime_error("no address");
  tcp::endpoint endpoint = results.begin()->endpoint();
  for (const auto& r : results)
    if (r.endpoint().address().is_v4()) return r.endpoint();
  return endpoint;
}

net::awaitable<http_result> http_call(const server_target& server, http::verb verb,
                                      std::string target, std::string body, std::string token) {
  beast::tcp_stream stream(co_await net::this_coro::executor);
  stream.expires_after(server.http_timeout);
  co_await stream.async_connect(server.endpoint, net::use_awaitable);
  http::request<http::string_body> req(verb, target, 11);
  req.set(http::field::host, server.host_header);
  req.set(http::field::user_agent, server.user_agent);
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

net::awaitable<void> connect_ws(const server_target& server, ws_stream& ws, std::string path,
                                std::optional<net::ip::address> local) {
  auto& stream = beast::get_lowest_layer(ws);
  if (local) {
    auto& sock = stream.socket();
    sock.open(server.endpoint.protocol());
    // Let connect() pick the port so each source address gets a whole ephemeral range.
    int one = 1;
    ::setsockopt(sock.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    sock.bind(tcp::endpoint(*local, 0));
  }
  stream.expires_after(10s);
  co_await stream.async_connect(server.endpoint, net::use_awaitable);
  stream.socket().set_option(tcp::no_delay(true));
  stream.expires_never();  // the websocket's own handshake timeout takes over
  websocket::stream_base::timeout t{};
  t.handshake_timeout = 10s;
  t.idle_timeout = websocket::stream_base::none();
  t.keep_alive_pings = false;
  ws.set_option(t);
  ws.set_option(websocket::stream_base::decorator(
      [user_agent = server.user_agent](websocket::request_type& req) {
        req.set(http::field::origin, "http://localhost");
        req.set(http::field::user_agent, user_agent);
      }));
  ws.read_message_max(16 * 1024 * 1024);
  ws.text(true);
  co_await ws.async_handshake(server.host_header, path, net::use_awaitable);
}

net::awaitable<json> read_until(ws_stream& ws, beast::flat_buffer& buf, std::string want,
                                clock_type::duration timeout,
                                bool (*may_matter)(std::string_view)) {
  beast::get_lowest_layer(ws).expires_after(timeout);
  for (;;) {
    buf.clear();
    co_await ws.async_read(buf, net::use_awaitable);
    std::string_view text = buffer_view(buf);
    if (may_matter && !may_matter(text)) continue;
    json j = json::parse(text.begin(), text.end(), nullptr, false);
    if (j.is_discarded() || !j.is_object()) continue;
    std::string type = json_string(j, "type");
    if (type == want) {
      beast::get_lowest_layer(ws).expires_never();
      co_return j;
    }
    if (type == "error")
      throw std::runtime_error("error frame while waiting for " + want + ": " + j.dump());
  }
}

net::awaitable<void> ws_write(ws_stream& ws, const std::string& text) {
  co_await ws.async_write(net::buffer(text), net::use_awaitable);
}

net::awaitable<beast::error_code> ws_read(ws_stream& ws, beast::flat_buffer& buf) {
  beast::error_code ec;
  co_await ws.async_read(buf, net::redirect_error(net::use_awaitable, ec));
  co_return ec;
}

net::awaitable<void> close_ws(ws_stream& ws) {
  if (!ws.is_open()) co_return;
  beast::get_lowest_layer(ws).expires_after(2s);
  beast::error_code ec;
  co_await ws.async_close(websocket::close_code::normal,
                          net::redirect_error(net::use_awaitable, ec));
}

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

std::string visitor_ws_path(std::string_view site_key) {
  return "/ws/visitor?site_key=" + url_encode(site_key);
}

std::string login_body(const std::string& email, const std::string& password) {
  json j = json::object();
  j["email"] = email;
  j["password"] = password;
  return j.dump();
}

std::string agent_hello_frame(const std::string& token) {
  json j = json::object();
  j["type"] = "hello";
  j["token"] = token;
  return j.dump();
}

}  // namespace sb::bench
