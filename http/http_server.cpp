#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "actors/directory.hpp"
#include "events/thread_name.hpp"
#include "actors/files/file_store.hpp"
#include "http/api.hpp"
#include "http/api_support.hpp"
#include "http/server.hpp"
#include "http/ws_session.hpp"

namespace sb::http {
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

const std::chrono::seconds kHttpIdleTimeout{60};
const std::chrono::seconds kUploadTimeout{300};  // reading one upload's body (10 MiB on a slow link)
const std::chrono::seconds kDrainTimeout{5};     // lingering close after a refused body
const std::size_t kDrainMax = 64u << 20;         // ... and at most this many bytes dropped

class http_session : public std::enable_shared_from_this<http_session> {
 public:
  http_session(app& a, session_registry& reg, tcp::socket&& socket)
      : app_(a), registry_(reg), stream_(std::move(socket)) {}

  void run() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&http_session::do_read, shared_from_this()));
  }

 private:
  // The header is read first: the target decides the body limit (uploads get the file store's
  // cap, every other body is JSON and gets http_body_max), and a declared length over it, or an
  // upload without a valid token, is refused before a byte of the body is read.
  void do_read() {
    parser_.emplace();
    // No limit until the target is known (Beast would check Content-Length at the header
    // against it); on_header sets the path's limit before any of the body is read.
    parser_->body_limit(boost::none);
    parser_->header_limit(16 * 1024);
    stream_.expires_after(kHttpIdleTimeout);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             beast::bind_front_handler(&http_session::on_header, shared_from_this()));
  }

  static bool is_upload(const bhttp::request<bhttp::string_body>& req) {
    auto target = req.target();
    auto path = target.substr(0, target.find('?'));
    return req.method() == bhttp::verb::post && (path == "/api/v1/files" || path == "/api/v1/files/");
  }

  std::string limit_message() const {
    return upload_ ? "files are at most " + std::to_string(app_.files.max_bytes()) + " bytes"
                   : std::string("body over 1 MiB");
  }

  void on_header(beast::error_code ec, std::size_t) {
    upload_ = false;
    if (ec) return close();  // end of stream, timeout, garbage
    auto& req = parser_->get();
    version_ = req.version();
    upload_ = is_upload(req);
    std::uint64_t limit = upload_ ? app_.files.max_bytes() : app_.lim.http_body_max;
    if (auto len = parser_->content_length(); len && *len > limit) {
      drain_ = true;
      return write_error(413, errc::too_large, limit_message());
    }
    if (upload_ && !may_upload(app_, std::string(req[bhttp::field::authorization]),
                               std::string(req["X-Visitor-Token"]))) {
      drain_ = true;
      return write_error(401, errc::unauthorized, "uploads need a staff token or X-Visitor-Token");
    }
    parser_->body_limit(limit + 1);  // one byte over: answered 413, not dropped
    if (parser_->is_done()) return on_read({}, 0);
    if (upload_) stream_.expires_after(kUploadTimeout);
    if (beast::iequals(req[bhttp::field::expect], "100-continue")) {
      auto cont = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_,
                                                                      version_);
      return bhttp::async_write(stream_, *cont,
                                [self = shared_from_this(), cont](beast::error_code ec, std::size_t) {
                                  if (ec) return self->close();
                                  self->do_read_body();
                                });
    }
    do_read_body();
  }

  void do_read_body() {
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&http_session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == bhttp::error::body_limit) {
      drain_ = true;
      return write_error(413, errc::too_large, limit_message());
    }
    if (ec) return close();  // end of stream, timeout, garbage
    auto req = parser_->release();
    if (beast::websocket::is_upgrade(req)) return upgrade(std::move(req));
    api_request r;
    r.method = std::string(req.method_string());
    auto target = std::string(req.target());
    auto q = target.find('?');
    r.path = target.substr(0, q);
    if (q != std::string::npos) r.query = target.substr(q + 1);
    r.body = std::move(req.body());
    r.authorization = std::string(req[bhttp::field::authorization]);
    r.origin = std::string(req[bhttp::field::origin]);
    r.if_none_match = std::string(req[bhttp::field::if_none_match]);
    beast::error_code ep_ec;
    auto ep = stream_.socket().remote_endpoint(ep_ec);
    r.remote_ip = ep_ec ? "" : ep.address().to_string();
    r.forwarded_for = std::string(req["X-Forwarded-For"]);
    r.content_type = std::string(req[bhttp::field::content_type]);
    r.filename = std::string(req["X-Filename"]);
    r.visitor_token = std::string(req["X-Visitor-Token"]);
    r.hub_signature = std::string(req["X-Hub-Signature-256"]);
    r.telegram_secret = std::string(req["X-Telegram-Bot-Api-Secret-Token"]);
    r.accept_encoding = std::string(req[bhttp::field::accept_encoding]);
    keep_alive_ = req.keep_alive();
    version_ = req.version();
    handle_request(app_, std::move(r), [self = shared_from_this()](api_response res) {
      net::post(self->stream_.get_executor(),
                [self, res = std::move(res)]() mutable { self->write(std::move(res)); });
    });
  }

  void upgrade(bhttp::request<bhttp::string_body>&& req) {
    auto target = std::string(req.target());
    auto q = target.find('?');
    auto path = target.substr(0, q);
    if (path == "/ws/agent") {
      return start_ws_session(app_, registry_, std::move(stream_), std::move(req),
                              ws_connection::kind::agent, {}, {});
    }
    if (path == "/ws/visitor") {
      std::string site_key;
      if (q != std::string::npos) {
        auto query = target.substr(q + 1);
        for (std::size_t i = 0; i < query.size();) {
          auto j = query.find('&', i);
          if (j == std::string::npos) j = query.size();
          auto kv = query.substr(i, j - i);
          if (kv.rfind("site_key=", 0) == 0) site_key = kv.substr(9);
          i = j + 1;
        }
      }
      auto w = app_.dir.widget(site_key);
      if (!w) return write_error(404, errc::not_found, "no such widget");
      auto origin = std::string(req[bhttp::field::origin]);
      if (!origin_allowed(*w, origin))
        return write_error(403, errc::forbidden, "origin not allowed for this widget");
      return start_ws_session(app_, registry_, std::move(stream_), std::move(req),
                              ws_connection::kind::visitor, site_key,
                              w->value("workspace_id", ""));
    }
    write_error(404, errc::not_found, "no such endpoint");
  }

  void write_error(int status, errc code, const std::string& message) {
    keep_alive_ = false;
    write({status, error_body(code, message), "application/json", {}});
  }

  void write(api_response r) {
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>(
        static_cast<bhttp::status>(r.status), version_ ? version_ : 11);
    res->set(bhttp::field::server, "switchboard");
    res->set(bhttp::field::content_type, r.content_type);
    for (auto& [k, v] : r.headers) res->set(k, v);
    res->keep_alive(keep_alive_);
    res->body() = std::move(r.body);  // any bytes: string_body is binary-safe, sized exactly
    res->prepare_payload();
    bhttp::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
      if (ec || !res->keep_alive()) return self->drain_ ? self->drain_then_close() : self->close();
      self->do_read();
    });
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  // After refusing a body we did not read: stop sending, then read and drop what the peer still
  // sends (bounded in time and bytes), so that closing with unread data does not reset the
  // connection before the peer has read our answer.
  void drain_then_close() {
    close();
    drain_buf_.resize(16 * 1024);
    drained_ = 0;
    stream_.expires_after(kDrainTimeout);
    do_drain();
  }

  void do_drain() {
    stream_.async_read_some(net::buffer(drain_buf_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->drained_ += n;
                              if (ec || self->drained_ > kDrainMax) return;  // EOF, timeout: done
                              self->do_drain();
                            });
  }

  app& app_;
  session_registry& registry_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bool keep_alive_ = false;
  unsigned version_ = 11;
  bool upload_ = false;  // the request being read is POST /api/v1/files
  bool drain_ = false;   // its body was refused unread: linger before closing
  std::vector<char> drain_buf_;
  std::size_t drained_ = 0;
};

}  // namespace

struct server::impl {
  impl(app& a, std::string address, std::uint16_t port, unsigned threads)
      : app_(a), address_(std::move(address)), port_(port), threads_(threads ? threads : 1),
        ioc_(static_cast<int>(threads_)), acceptor_(net::make_strand(ioc_)) {}

  void do_accept() {
    acceptor_.async_accept(net::make_strand(ioc_), [this](beast::error_code ec, tcp::socket s) {
      if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
      if (!ec) {
        s.set_option(tcp::no_delay(true), ec);
        std::make_shared<http_session>(app_, registry_, std::move(s))->run();
      }
      do_accept();
    });
  }

  app& app_;
  std::string address_;
  std::uint16_t port_;
  unsigned threads_;
  net::io_context ioc_;
  tcp::acceptor acceptor_;
  session_registry registry_;
  std::vector<std::thread> pool_;
  bool stopped_ = false;
};

server::server(app& a, const std::string& address, std::uint16_t port, unsigned io_threads)
    : impl_(std::make_unique<impl>(a, address, port, io_threads)) {}

server::~server() { stop(); }

bool server::start(std::string& error) {
  beast::error_code ec;
  auto addr = net::ip::make_address(impl_->address_, ec);
  if (ec) return error = "bad --http-address: " + ec.message(), false;
  tcp::endpoint ep{addr, impl_->port_};
  auto& acc = impl_->acceptor_;
  acc.open(ep.protocol(), ec);
  if (!ec) acc.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acc.bind(ep, ec);
  if (!ec) acc.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return error = "cannot listen on " + impl_->address_ + ":" + std::to_string(impl_->port_) + ": " + ec.message(), false;
  impl_->do_accept();
  for (unsigned i = 0; i < impl_->threads_; ++i) impl_->pool_.emplace_back([this, i] {
      events::name_this_thread("sb-io-" + std::to_string(i));
      impl_->ioc_.run();
    });
  return true;
}

std::uint16_t server::port() const {
  beast::error_code ec;
  auto ep = impl_->acceptor_.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

void server::stop() {
  if (impl_->stopped_) return;
  impl_->stopped_ = true;
  net::post(impl_->acceptor_.get_executor(), [this] {
    beast::error_code ec;
    impl_->acceptor_.close(ec);
  });
  impl_->registry_.close_all();
  // Let the close handshakes go out (bounded), then stop the loop.
  for (int i = 0; i < 50 && impl_->registry_.size() > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  impl_->ioc_.stop();
  for (auto& t : impl_->pool_)
    if (t.joinable()) t.join();
}

}  // namespace sb::http
