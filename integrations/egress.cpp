#include "integrations/egress.hpp"

#include <openssl/ssl.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>

#include "events/thread_name.hpp"

namespace sb::integrations {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using boost::system::error_code;
using clock_type = std::chrono::steady_clock;

bool in_v4(std::uint32_t a, std::uint32_t net_addr, int bits) {
  std::uint32_t mask = bits == 0 ? 0 : ~std::uint32_t{0} << (32 - bits);
  return (a & mask) == (net_addr & mask);
}

constexpr std::uint32_t v4(unsigned a, unsigned b, unsigned c, unsigned d) {
  return (a << 24) | (b << 16) | (c << 8) | d;
}

bool public_v4(const net::ip::address_v4& ip) {
  static const std::pair<std::uint32_t, int> kSpecial[] = {
      {v4(0, 0, 0, 0), 8},       {v4(10, 0, 0, 0), 8},     {v4(100, 64, 0, 0), 10},
      {v4(127, 0, 0, 0), 8},     {v4(169, 254, 0, 0), 16}, {v4(172, 16, 0, 0), 12},
      {v4(192, 0, 0, 0), 24},    {v4(192, 0, 2, 0), 24},   {v4(192, 88, 99, 0), 24},
      {v4(192, 168, 0, 0), 16},  {v4(198, 18, 0, 0), 15},  {v4(198, 51, 100, 0), 24},
      {v4(203, 0, 113, 0), 24},  {v4(224, 0, 0, 0), 4},    {v4(240, 0, 0, 0), 4}};
  auto a = ip.to_uint();
  for (auto& [n, bits] : kSpecial)
    if (in_v4(a, n, bits)) return false;
  return true;
}

net::ip::address_v4 v4_at(const net::ip::address_v6::bytes_type& b, int at) {
  return net::ip::address_v4({b[at], b[at + 1], b[at + 2], b[at + 3]});
}

bool public_ip(const net::ip::address& a) {
  if (a.is_v4()) return public_v4(a.to_v4());
  auto v6 = a.to_v6();
  if (v6.is_v4_mapped()) return public_v4(net::ip::make_address_v4(net::ip::v4_mapped, v6));
  auto b = v6.to_bytes();
  // NAT64 64:ff9b::/96 reaches the embedded IPv4 address.
  static const unsigned char kNat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
  if (std::equal(kNat64, kNat64 + 12, b.begin())) return public_v4(v4_at(b, 12));
  if ((b[0] & 0xe0) != 0x20) return false;  // global unicast is 2000::/3 only
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return false;  // documentation
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] < 0x02) return false;  // 2001::/23 protocol assignments
  if (b[0] == 0x20 && b[1] == 0x02) return public_v4(v4_at(b, 2));  // 6to4
  return true;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// One pooled connection: a plain or a TLS stream and its read buffer.
struct connection {
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  clock_type::time_point idle_since{};

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
  void close() {
    error_code ec;
    lowest().socket().close(ec);
  }
};

// One request on its way: the deadline closes whatever it is waiting on.
struct exchange {
  explicit exchange(net::io_context& ioc) : deadline(ioc), resolver(ioc) {}
  net::steady_timer deadline;
  tcp::resolver resolver;
  connection* conn = nullptr;
  bool timed_out = false;
  bool aborted = false;
  bool finished = false;  // the deadline may have fired just as the request ended
  void interrupt() {
    resolver.cancel();
    if (conn) conn->close();
  }
};

template <class Stream>
net::awaitable<void> write_and_read(Stream& s, connection& c, http::request<http::string_body>& req,
                                    http::response_parser<http::string_body>& parser, error_code& wec,
                                    error_code& rec, const std::function<void(std::string_view)>& on_data) {
  co_await http::async_write(s, req, net::redirect_error(net::use_awaitable, wec));
  if (wec) co_return;
  if (!on_data) {
    co_await http::async_read(s, c.buffer, parser, net::redirect_error(net::use_awaitable, rec));
    co_return;
  }
  // Streaming (server-sent events): hand each piece of a 2xx body over as it arrives.
  std::size_t given = 0;
  while (!parser.is_done()) {
    co_await http::async_read_some(s, c.buffer, parser, net::redirect_error(net::use_awaitable, rec));
    if (rec) co_return;
    if (!parser.is_header_done() || parser.get().result_int() / 100 != 2) continue;
    auto& body = parser.get().body();
    if (body.size() > given) {
      on_data(std::string_view(body).substr(given));
      given = body.size();
    }
  }
}

egress_response failed(std::string error) {
  egress_response r;
  r.error = std::move(error);
  return r;
}

}  // namespace

std::optional<parsed_url> parse_url(std::string_view url, std::string& error) {
  if (url.size() > 2048) return error = "URL longer than 2048 bytes", std::nullopt;
  for (unsigned char c : url)
    if (c <= 0x20 || c >= 0x7f) return error = "URL has spaces or control characters", std::nullopt;
  auto sep = url.find("://");
  if (sep == std::string_view::npos) return error = "URL needs http:// or https://", std::nullopt;
  parsed_url u;
  auto scheme = lower(url.substr(0, sep));
  if (scheme != "http" && scheme != "https") return error = "only http and https URLs", std::nullopt;
  u.tls = scheme == "https";
  auto rest = url.substr(sep + 3);
  if (auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  auto end = rest.find_first_of("/?");
  auto authority = rest.substr(0, end);
  auto target = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  if (authority.find('@') != std::string_view::npos) return error = "URLs with credentials are refused", std::nullopt;
  std::string_view host, port;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return error = "unclosed [ in the host", std::nullopt;
    host = authority.substr(1, close - 1);
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return error = "bad host", std::nullopt;
      port = after.substr(1);
    }
    error_code ec;
    net::ip::make_address_v6(std::string(host), ec);
    if (ec) return error = "bad IPv6 address", std::nullopt;
  } else {
    auto colon = authority.rfind(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
    for (unsigned char c : host)
      if (!std::isalnum(c) && c != '-' && c != '.' && c != '_') return error = "bad host name", std::nullopt;
  }
  if (host.empty()) return error = "URL has no host", std::nullopt;
  if (port.empty()) {
    u.port = u.tls ? "443" : "80";
  } else {
    if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos ||
        std::stoul(std::string(port)) == 0 || std::stoul(std::string(port)) > 65535)
      return error = "bad port", std::nullopt;
    u.port = std::string(port);
  }
  u.host = lower(host);
  u.target = target.empty() ? "/" : target.front() == '?' ? "/" + std::string(target) : std::string(target);
  return u;
}

bool public_address(std::string_view ip) {
  error_code ec;
  auto a = net::ip::make_address(std::string(ip), ec);
  return !ec && public_ip(a);
}

struct egress_client::impl {
  explicit impl(egress_options o) : opts(std::move(o)), tls_ctx(ssl::context::tls_client) {
    tls_ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                        ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    error_code ec;
    tls_ctx.set_default_verify_paths(ec);
    if (!opts.ca_file.empty()) tls_ctx.load_verify_file(opts.ca_file, ec);
    tls_ctx.set_verify_mode(ssl::verify_peer);
    thread = std::thread([this] {
      events::name_this_thread("sb-egress");
      ioc.run();
    });
  }

  ~impl() { shutdown(); }

  void shutdown() {
    {
      std::lock_guard lk(down_mutex);
      if (down) return;
      down = true;
      post_stop();
    }
    guard.reset();
    thread.join();
  }

  void post_stop() {
    net::post(ioc, [this] {
      stopping = true;
      for (auto& [key, conns] : pool)
        for (auto& c : conns) c->close();
      pool.clear();
      for (auto* x : active) {
        x->aborted = true;
        x->deadline.cancel();
        x->interrupt();
      }
    });
  }

  std::unique_ptr<connection> take_idle(const std::string& key) {
    auto it = pool.find(key);
    if (it == pool.end()) return nullptr;
    auto& conns = it->second;
    auto now = clock_type::now();
    while (!conns.empty()) {
      auto c = std::move(conns.back());
      conns.pop_back();
      if (now - c->idle_since < opts.idle_keepalive) return c;
      c->close();
    }
    return nullptr;
  }

  void put_idle(const std::string& key, std::unique_ptr<connection> c) {
    auto& conns = pool[key];
    if (stopping || conns.size() >= opts.max_idle_per_host) return c->close();
    c->idle_since = clock_type::now();
    conns.push_back(std::move(c));
  }

  // The linear steps of one request (resolve, check, connect, handshake, write, read) read
  // best as a coroutine; the socket-per-session callback style of STYLE.md is for servers.
  net::awaitable<egress_response> run(egress_request req) {
    auto started = clock_type::now();
    egress_response res;
    auto x = std::make_shared<exchange>(ioc);
    active.insert(x.get());
    struct unregister {
      impl* self;
      exchange* x;
      ~unregister() { self->active.erase(x); }
    } unregister_on_exit{this, x.get()};
    x->deadline.expires_after(req.timeout.value_or(opts.request_timeout));
    x->deadline.async_wait([x](error_code ec) {
      if (ec || x->finished) return;
      x->timed_out = true;
      x->interrupt();
    });
    auto finish = [&](std::string error) {
      x->finished = true;
      x->conn = nullptr;
      x->deadline.cancel();
      res.error = x->timed_out ? "timeout" : x->aborted ? "stopped" : std::move(error);
      res.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - started);
      return std::move(res);
    };

    std::string url_error;
    auto u = parse_url(req.url, url_error);
    if (!u) co_return finish("bad_url: " + url_error);
    auto verb = http::string_to_verb(req.method);
    if (verb == http::verb::unknown) co_return finish("bad_method");
    const std::string key = (u->tls ? "https://" : "http://") + u->host + ":" + u->port;
    bool ip_literal = false;
    {
      error_code ec;
      net::ip::make_address(u->host, ec);
      ip_literal = !ec;
    }

    for (int attempt = 0;; ++attempt) {
      auto c = take_idle(key);
      const bool reused = c != nullptr;
      if (!c) {
        error_code ec;
        auto results = co_await x->resolver.async_resolve(u->host, u->port,
                                                          net::redirect_error(net::use_awaitable, ec));
        if (ec || x->aborted || x->timed_out) co_return finish("resolve: " + ec.message());
        std::vector<tcp::endpoint> endpoints;
        for (auto& r : results)
          if (opts.allow_private || public_ip(r.endpoint().address())) endpoints.push_back(r.endpoint());
        if (endpoints.empty())
          co_return finish("refused: " + u->host + " is a private or special address (--allow-private-egress)");
        c = std::make_unique<connection>();
        if (u->tls) c->tls.emplace(ioc, tls_ctx);
        else c->plain.emplace(ioc);
        x->conn = c.get();
        c->lowest().expires_after(opts.connect_timeout);
        co_await c->lowest().async_connect(endpoints, net::redirect_error(net::use_awaitable, ec));
        if (x->aborted || x->timed_out) co_return finish("connect");
        if (ec) co_return finish(ec == beast::error::timeout ? "timeout" : "connect: " + ec.message());
        c->lowest().expires_never();
        if (u->tls) {
          if (!ip_literal) SSL_set_tlsext_host_name(c->tls->native_handle(), u->host.c_str());
          c->tls->set_verify_callback(ssl::host_name_verification(u->host));
          co_await c->tls->async_handshake(ssl::stream_base::client, net::redirect_error(net::use_awaitable, ec));
          if (ec || x->aborted || x->timed_out) co_return finish("tls: " + ec.message());
        }
      }
      x->conn = c.get();

      http::request<http::string_body> r{verb, u->target, 11};
      auto host_header = u->host.find(':') != std::string::npos ? "[" + u->host + "]" : u->host;
      if (u->port != (u->tls ? "443" : "80")) host_header += ":" + u->port;
      r.set(http::field::host, host_header);
      r.set(http::field::user_agent, opts.user_agent);
      for (auto& [name, value] : req.headers) r.set(name, value);
      if (verb != http::verb::get || !req.body.empty()) r.body() = req.body;
      r.keep_alive(true);
      r.prepare_payload();
      http::response_parser<http::string_body> parser;
      parser.body_limit(opts.max_response_bytes);
      parser.header_limit(64 * 1024);
      error_code wec, rec;
      if (c->tls) co_await write_and_read(*c->tls, *c, r, parser, wec, rec, req.on_data);
      else co_await write_and_read(*c->plain, *c, r, parser, wec, rec, req.on_data);
      x->conn = nullptr;
      if (x->aborted || x->timed_out) co_return finish("io");
      // A pooled connection the peer closed meanwhile fails before any answer: once more, fresh.
      if ((wec || (rec && !parser.got_some())) && reused && attempt == 0) continue;
      if (wec) co_return finish("io: " + wec.message());
      if (rec == http::error::body_limit) co_return finish("too_large");
      if (rec) co_return finish("io: " + rec.message());
      auto& m = parser.get();
      res.status = m.result_int();
      res.content_type = std::string(m[http::field::content_type]);
      res.body = std::move(m.body());
      if (m.keep_alive()) put_idle(key, std::move(c));
      co_return finish("");
    }
  }

  egress_options opts;
  net::io_context ioc{1};
  net::executor_work_guard<net::io_context::executor_type> guard = net::make_work_guard(ioc);
  ssl::context tls_ctx;
  std::mutex down_mutex;  // orders send()'s posts before the stop
  bool down = false;
  // Egress thread only:
  bool stopping = false;
  std::size_t in_flight = 0;
  std::set<exchange*> active;
  std::unordered_map<std::string, std::vector<std::unique_ptr<connection>>> pool;
  std::thread thread;
};

egress_client::egress_client(egress_options opts) : impl_(std::make_unique<impl>(std::move(opts))) {}
egress_client::~egress_client() = default;

const egress_options& egress_client::options() const { return impl_->opts; }

void egress_client::shutdown() { impl_->shutdown(); }

void egress_client::send(egress_request req, std::function<void(egress_response)> done) {
  auto* p = impl_.get();
  std::unique_lock lk(p->down_mutex);
  if (p->down) {
    lk.unlock();
    return done(failed("stopped"));
  }
  net::post(p->ioc, [p, req = std::move(req), done = std::move(done)]() mutable {
    if (p->stopping) return done(failed("stopped"));
    if (p->in_flight >= p->opts.max_in_flight) return done(failed("busy"));
    ++p->in_flight;
    net::co_spawn(p->ioc, p->run(std::move(req)),
                  [p, done = std::move(done)](std::exception_ptr e, egress_response r) mutable {
                    --p->in_flight;
                    if (e) r = failed("internal");
                    done(std::move(r));
                  });
  });
}

}  // namespace sb::integrations
