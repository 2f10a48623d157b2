#include "tests/integration/support/ws_client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <deque>

namespace switchboard::integration {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using clock_type = std::chrono::steady_clock;

struct ws_client::impl {
  struct frame {
    bool text = true;
    std::string payload;
  };

  net::io_context ioc;
  websocket::stream<beast::tcp_stream> ws{ioc};
  beast::flat_buffer read_buffer;
  std::deque<frame> inbox;
  bool open = false;
  bool reading = false;
  int handshake_status = 0;
  std::optional<int> close_code;
  std::string close_reason;
  std::string error;

  // Runs handlers until `done()` or the deadline; true if done() holds.
  template <class Done>
  bool run_until(Done done, clock_type::time_point deadline) {
    while (!done()) {
      if (ioc.stopped()) ioc.restart();
      const auto now = clock_type::now();
      if (now >= deadline) return done();
      if (ioc.run_one_until(deadline) == 0 && ioc.stopped() && !done()) {
        // Nothing left to run: nothing can make done() true any more.
        return false;
      }
    }
    return true;
  }

  void start_read() {
    reading = true;
    ws.async_read(read_buffer, [this](beast::error_code ec, size_t) { on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    reading = false;
    if (ec) {
      open = false;
      const auto& reason = ws.reason();
      if (ec == websocket::error::closed || reason.code != websocket::close_code::none) {
        close_code = static_cast<int>(reason.code);
        close_reason = std::string(reason.reason.c_str());
      }
      if (error.empty()) error = "read: " + ec.message();
      return;
    }
    inbox.push_back({ws.got_text(), beast::buffers_to_string(read_buffer.data())});
    read_buffer.consume(read_buffer.size());
    start_read();
  }

  bool write(std::string_view data, bool text, std::chrono::milliseconds timeout) {
    if (!open) {
      if (error.empty()) error = "write on a closed connection";
      return false;
    }
    bool done = false;
    beast::error_code wec;
    ws.text(text);
    ws.async_write(net::buffer(data.data(), data.size()), [&](beast::error_code e, size_t) {
      wec = e;
      done = true;
    });
    if (!run_until([&] { return done; }, clock_type::now() + timeout)) {
      error = "write timed out";
      drop();
      // The handler refers to locals: let it run (aborted) before returning.
      run_until([&] { return done; }, clock_type::now() + std::chrono::seconds(5));
      return false;
    }
    if (wec) {
      if (error.empty()) error = "write: " + wec.message();
      return false;
    }
    return true;
  }

  void drop() {
    beast::error_code ignored;
    beast::get_lowest_layer(ws).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(ws).close();
    open = false;
  }

  // Lets pending handlers (now aborted) finish so nothing refers to this object afterwards.
  void settle() {
    run_until([&] { return !reading; }, clock_type::now() + std::chrono::seconds(2));
  }
};

ws_client::ws_client() : impl_(std::make_unique<impl>()) {}

ws_client::~ws_client() {
  if (impl_->reading || impl_->open) {
    impl_->drop();
    impl_->settle();
  }
}

bool ws_client::connect(uint16_t port, std::string_view target, std::string_view origin,
                        std::chrono::milliseconds timeout) {
  auto& s = *impl_;
  const auto deadline = clock_type::now() + timeout;
  auto& tcp_layer = beast::get_lowest_layer(s.ws);

  bool done = false;
  beast::error_code ec;
  tcp_layer.expires_after(timeout);
  tcp_layer.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port),
                          [&](beast::error_code e) {
                            ec = e;
                            done = true;
                          });
  s.run_until([&] { return done; }, deadline + std::chrono::seconds(1));
  if (!done || ec) {
    s.error = "connect: " + (done ? ec.message() : std::string("timed out"));
    return false;
  }
  tcp_layer.socket().set_option(tcp::no_delay(true), ec);

  const std::string origin_value(origin);
  s.ws.set_option(websocket::stream_base::decorator([origin_value](websocket::request_type& req) {
    req.set(http::field::user_agent, "switchboard-integration-tests");
    if (!origin_value.empty()) req.set(http::field::origin, origin_value);
  }));
  s.ws.read_message_max(64 * 1024 * 1024);
  // Send each message as one frame, so "a frame over 64 KiB" really is one frame.
  s.ws.auto_fragment(false);

  done = false;
  websocket::response_type res;
  const std::string host = "127.0.0.1:" + std::to_string(port);
  s.ws.async_handshake(res, host, std::string(target), [&](beast::error_code e) {
    ec = e;
    done = true;
  });
  s.run_until([&] { return done; }, deadline + std::chrono::seconds(1));
  s.handshake_status = res.result_int();
  if (!done || ec) {
    s.error = "handshake: " + (done ? ec.message() : std::string("timed out"));
    if (s.handshake_status != 0) s.error += " (HTTP " + std::to_string(s.handshake_status) + ")";
    s.drop();
    return false;
  }

  // The tcp_stream timer would kill idle reads; from here on the websocket owns timeouts and
  // every wait in this class is bounded by the caller's deadline instead.
  tcp_layer.expires_never();
  websocket::stream_base::timeout opts{};
  opts.handshake_timeout = std::chrono::seconds(5);
  opts.idle_timeout = websocket::stream_base::none();
  opts.keep_alive_pings = false;
  s.ws.set_option(opts);

  s.open = true;
  s.start_read();
  return true;
}

int ws_client::handshake_status() const { return impl_->handshake_status; }

bool ws_client::send_json(const nlohmann::json& frame, std::chrono::milliseconds timeout) {
  return impl_->write(frame.dump(), true, timeout);
}

bool ws_client::send_text(std::string_view text, std::chrono::milliseconds timeout) {
  return impl_->write(text, true, timeout);
}

bool ws_client::send_binary(std::string_view data, std::chrono::milliseconds timeout) {
  return impl_->write(data, false, timeout);
}

std::optional<std::string> ws_client::recv_text(std::chrono::milliseconds timeout) {
  auto& s = *impl_;
  s.run_until([&] { return !s.inbox.empty() || !s.reading; }, clock_type::now() + timeout);
  if (s.inbox.empty()) return std::nullopt;
  std::string payload = std::move(s.inbox.front().payload);
  s.inbox.pop_front();
  return payload;
}

std::optional<nlohmann::json> ws_client::recv_json(std::chrono::milliseconds timeout) {
  auto& s = *impl_;
  s.run_until([&] { return !s.inbox.empty() || !s.reading; }, clock_type::now() + timeout);
  if (s.inbox.empty()) return std::nullopt;
  impl::frame f = std::move(s.inbox.front());
  s.inbox.pop_front();
  if (!f.text) return nlohmann::json{{"type", "<binary>"}, {"raw", f.payload}};
  auto parsed = nlohmann::json::parse(f.payload, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return nlohmann::json{{"type", "<not json>"}, {"raw", f.payload}};
  return parsed;
}

bool ws_client::wait_closed(std::chrono::milliseconds timeout) {
  auto& s = *impl_;
  const auto deadline = clock_type::now() + timeout;
  for (;;) {
    s.inbox.clear();
    if (!s.reading) return true;
    if (!s.run_until([&] { return !s.inbox.empty() || !s.reading; }, deadline)) return false;
  }
}

bool ws_client::is_open() const { return impl_->open; }

std::optional<int> ws_client::close_code() const { return impl_->close_code; }

std::string ws_client::close_reason() const { return impl_->close_reason; }

std::string ws_client::last_error() const { return impl_->error; }

void ws_client::close(std::chrono::milliseconds timeout) {
  auto& s = *impl_;
  if (s.open) {
    bool done = false;
    s.ws.async_close(websocket::close_code::normal, [&](beast::error_code) { done = true; });
    const auto deadline = clock_type::now() + timeout;
    // The pending read sees the server's close reply and finishes too.
    s.run_until([&] { return done && !s.reading; }, deadline);
    if (!done) {
      s.drop();
      s.run_until([&] { return done; }, clock_type::now() + std::chrono::seconds(2));
    }
  }
  s.drop();
  s.settle();
}

void ws_client::abort() {
  impl_->drop();
  impl_->settle();
}

}  // namespace switchboard::integration
