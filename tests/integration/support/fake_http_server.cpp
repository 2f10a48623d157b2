#include "tests/integration/support/fake_http_server.hpp"

#include <sys/socket.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <thread>

namespace switchboard::integration {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

struct fake_http_server::state {
  handler h;
  mutable std::mutex m;
  mutable std::condition_variable cv;
  std::vector<fake_request> reqs;
  net::io_context ioc;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::thread accept_thread;
  std::vector<std::shared_ptr<tcp::socket>> sockets;
  std::vector<std::thread> conn_threads;
  std::size_t accepted = 0;

  void serve(std::shared_ptr<tcp::socket> sock) {
    beast::flat_buffer buf;
    for (;;) {
      http::request<http::string_body> req;
      beast::error_code ec;
      http::read(*sock, buf, req, ec);
      if (ec) break;
      fake_request r{std::string(req.method_string()), std::string(req.target()), req.body(), {}};
      for (auto& f : req) {
        std::string name(f.name_string());
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        r.headers[name] = std::string(f.value());
      }
      fake_response out = h ? h(r) : fake_response{};
      {
        std::lock_guard lk(m);
        reqs.push_back(std::move(r));
      }
      cv.notify_all();
      if (out.delay.count() > 0) std::this_thread::sleep_for(out.delay);
      http::response<http::string_body> res{static_cast<http::status>(out.status), 11};
      res.set(http::field::content_type, out.content_type);
      res.body() = out.body;
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      http::write(*sock, res, ec);
      if (ec || !req.keep_alive()) break;
    }
    beast::error_code ignored;
    sock->shutdown(tcp::socket::shutdown_both, ignored);
  }
};

fake_http_server::fake_http_server(handler h, unsigned short port) : s_(std::make_shared<state>()), port_(port) {
  s_->h = std::move(h);
  start();
}

fake_http_server::~fake_http_server() { stop(); }

std::string fake_http_server::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

void fake_http_server::start() {
  if (s_->acceptor) return;
  auto a = std::make_unique<tcp::acceptor>(s_->ioc);
  tcp::endpoint ep(net::ip::make_address("127.0.0.1"), port_);
  a->open(ep.protocol());
  a->set_option(net::socket_base::reuse_address(true));
  a->bind(ep);
  a->listen();
  port_ = a->local_endpoint().port();
  s_->acceptor = std::move(a);
  auto* s = s_.get();
  s_->accept_thread = std::thread([s] {
    for (;;) {
      auto sock = std::make_shared<tcp::socket>(s->ioc);
      beast::error_code ec;
      s->acceptor->accept(*sock, ec);
      if (ec) return;
      sock->set_option(tcp::no_delay(true), ec);
      std::lock_guard lk(s->m);
      s->sockets.push_back(sock);
      ++s->accepted;
      s->conn_threads.emplace_back([s, sock] { s->serve(sock); });
    }
  });
}

void fake_http_server::stop() {
  if (!s_->acceptor) return;
  ::shutdown(s_->acceptor->native_handle(), SHUT_RDWR);  // wakes the blocked accept()
  s_->accept_thread.join();
  beast::error_code ec;
  s_->acceptor->close(ec);
  s_->acceptor.reset();
  std::vector<std::thread> threads;
  {
    std::lock_guard lk(s_->m);
    for (auto& sock : s_->sockets) ::shutdown(sock->native_handle(), SHUT_RDWR);
    threads.swap(s_->conn_threads);
    s_->sockets.clear();
  }
  for (auto& t : threads) t.join();
}

std::vector<fake_request> fake_http_server::requests() const {
  std::lock_guard lk(s_->m);
  return s_->reqs;
}

std::size_t fake_http_server::count() const {
  std::lock_guard lk(s_->m);
  return s_->reqs.size();
}

std::size_t fake_http_server::connections() const {
  std::lock_guard lk(s_->m);
  return s_->accepted;
}

bool fake_http_server::wait_for(std::size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock lk(s_->m);
  return s_->cv.wait_for(lk, timeout, [&] { return s_->reqs.size() >= n; });
}

}  // namespace switchboard::integration
