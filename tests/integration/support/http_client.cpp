#include "tests/integration/support/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>

namespace switchboard::integration {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

std::string http_response::header(std::string_view name) const {
  std::string key(name);
  for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto it = headers.find(key);
  return it == headers.end() ? std::string() : it->second;
}

std::string http_response::error_code() const {
  if (body.is_object() && body.contains("error") && body["error"].is_object()) {
    const auto& code = body["error"].value("code", nlohmann::json());
    if (code.is_string()) return code.get<std::string>();
  }
  return {};
}

std::string http_response::describe() const {
  if (status == 0) return "no HTTP response: " + transport_error;
  std::string text = raw_body.size() > 600 ? raw_body.substr(0, 600) + "..." : raw_body;
  return "HTTP " + std::to_string(status) + " " + text;
}

http_client::http_client(uint16_t port, std::string host, std::chrono::milliseconds timeout)
    : port_(port), host_(std::move(host)), timeout_(timeout) {}

http_response http_client::request(std::string_view method, std::string_view target,
                                   const std::optional<nlohmann::json>& body,
                                   const std::optional<std::string>& bearer) const {
  if (body) return request_raw(method, target, body->dump(), "application/json", bearer);
  return request_raw(method, target, std::string(), "", bearer);
}

http_response http_client::request_raw(std::string_view method, std::string_view target,
                                       std::string body, std::string_view content_type,
                                       const std::optional<std::string>& bearer,
                                       const std::vector<std::pair<std::string, std::string>>& headers) const {
  http_response out;
  const http::verb verb = http::string_to_verb(method);
  if (verb == http::verb::unknown) {
    out.transport_error = "unknown method " + std::string(method);
    return out;
  }

  // Async operations on a private io_context, because tcp_stream timeouts only apply to
  // async operations; each run() returns when the operation or its timer completes.
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  beast::error_code ec;
  auto run = [&] {
    ioc.restart();
    ioc.run();
  };

  boost::system::error_code addr_ec;
  const auto address = net::ip::make_address(host_, addr_ec);
  if (addr_ec) {
    out.transport_error = "bad address " + host_;
    return out;
  }
  stream.expires_after(timeout_);
  stream.async_connect(tcp::endpoint(address, port_), [&](beast::error_code e) { ec = e; });
  run();
  if (ec) {
    out.transport_error = "connect: " + ec.message();
    return out;
  }

  http::request<http::string_body> req{verb, std::string(target), 11};
  req.set(http::field::host, host_ + ":" + std::to_string(port_));
  req.set(http::field::user_agent, "switchboard-integration-tests");
  req.set(http::field::accept, "application/json");
  if (!content_type.empty()) req.set(http::field::content_type, content_type);
  if (bearer) req.set(http::field::authorization, "Bearer " + *bearer);
  for (auto& [name, value] : headers) req.set(name, value);
  req.keep_alive(false);
  req.body() = std::move(body);
  req.prepare_payload();

  stream.expires_after(timeout_);
  beast::error_code write_ec;
  http::async_write(stream, req, [&](beast::error_code e, size_t) { write_ec = e; });
  run();
  // A server may answer (e.g. 413) and close before reading everything: still read the answer.

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  stream.expires_after(timeout_);
  http::async_read(stream, buffer, parser, [&](beast::error_code e, size_t) { ec = e; });
  run();
  if (ec) {
    out.transport_error = "read: " + ec.message();
    if (write_ec) out.transport_error += " (write: " + write_ec.message() + ")";
    return out;
  }

  auto res = parser.release();
  out.status = res.result_int();
  for (const auto& field : res) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers[name] = std::string(field.value());
  }
  out.raw_body = std::move(res.body());
  if (!out.raw_body.empty()) {
    out.body = nlohmann::json::parse(out.raw_body, nullptr, /*allow_exceptions=*/false);
    if (out.body.is_discarded()) out.body = nullptr;
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  return out;
}

std::string url_encode(std::string_view value) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

}  // namespace switchboard::integration
