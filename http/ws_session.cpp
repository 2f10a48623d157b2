#include "http/ws_session.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <vector>

#include "http/metrics.hpp"

namespace sb::http {
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;

void session_registry::add(void* key, std::function<void()> close_going_away) {
  std::unique_lock lock{mutex_};
  ++live_;
  if (closed_) {
    lock.unlock();
    return close_going_away();
  }
  sessions_.emplace(key, std::move(close_going_away));
}
void session_registry::remove(void* key) {
  std::lock_guard lock{mutex_};
  sessions_.erase(key);
  --live_;
}
void session_registry::close_all() {
  std::unordered_map<void*, std::function<void()>> all;
  {
    std::lock_guard lock{mutex_};
    closed_ = true;
    all.swap(sessions_);
  }
  for (auto& [k, fn] : all) fn();
}
std::size_t session_registry::size() const {
  std::lock_guard lock{mutex_};
  return live_;
}

namespace {

class ws_session : public ws_transport, public std::enable_shared_from_this<ws_session> {
 public:
  ws_session(app& a, session_registry& registry, beast::tcp_stream&& stream,
             ws_connection::kind kind, std::string site_key, std::string workspace_id)
      : app_(a),
        registry_(registry),
        ws_(std::move(stream)),
        timer_(ws_.get_executor()),
        kind_(kind),
        site_key_(std::move(site_key)),
        workspace_id_(std::move(workspace_id)) {}

  ~ws_session() override {
    if (accepted_) {
      registry_.remove(this);
      gauge()->Decrement();
    }
  }

  void run(beast::http::request<beast::http::string_body> req) {
    forwarded_for_ = std::string(req["X-Forwarded-For"]);
    websocket::stream_base::timeout t;
    t.handshake_timeout = std::chrono::seconds(30);  // also bounds the closing handshake
    // Keepalive is ours (tick()): Beast's pings come every idle/2 and drop the peer after
    // idle/2 without an answer, which cannot give the contract's 25 s pings and 60 s drop.
    t.idle_timeout = websocket::stream_base::none();
    t.keep_alive_pings = false;
    ws_.set_option(t);
    // Pongs (and pings) count as signs of life; Beast answers pings itself.
    ws_.control_callback([this](websocket::frame_type, beast::string_view) {
      last_heard_ = std::chrono::steady_clock::now();
    });
    // The frame limit is ours (on_read): Beast's own limit fails the read and tears the TCP
    // connection down at once, and with the rest of a big frame still unread the kernel then
    // resets the connection, so the peer often loses the 1009 close frame (and sees 1006).
    ws_.read_message_max(0);
    ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
      res.set(beast::http::field::server, "switchboard");
    }));
    beast::get_lowest_layer(ws_).expires_never();
    ws_.async_accept(req, beast::bind_front_handler(&ws_session::on_accept, shared_from_this()));
  }

  // ws_transport
  void send(std::shared_ptr<const std::string> frame, bool bounded) override {
    if (closing_) return;
    if (bounded) queued_bytes_ += frame->size();
    if (bounded && queued_bytes_ > app_.lim.ws_backlog_max) {
      app_.stats.ws_slow_consumers_closed_total->Increment();
      queue_.clear();  // the frame in flight stays alive in the write op
      next_ = 0;
      return close(1008, "backlog over limit; resume from your last seq");
    }
    queue_.push_back({std::move(frame), bounded});
    // Start writing from a fresh strand turn, so that frames posted together (an ack and the
    // author's copy of the message, or a batch of messages of one conversation) are queued
    // together and leave in one TCP segment (see do_write).
    if (!writing_ && !write_posted_) {
      write_posted_ = true;
      net::post(ws_.get_executor(), [self = shared_from_this()] {
        self->write_posted_ = false;
        if (!self->writing_ && !self->closing_ && self->next_ < self->queue_.size())
          self->do_write();
      });
    }
  }

  void dispatch(std::function<void()> fn) override { net::post(ws_.get_executor(), std::move(fn)); }

  void close_at(std::chrono::system_clock::time_point when, std::uint16_t code,
                std::string reason) override {
    if (closing_) return;
    expiry_ = std::chrono::steady_clock::now() +
              std::max(when - std::chrono::system_clock::now(), std::chrono::system_clock::duration::zero());
    expiry_code_ = code;
    expiry_reason_ = std::move(reason);
    arm();
  }

  void close(std::uint16_t code, std::string reason) override {
    if (closing_) return;
    closing_ = true;
    cork(false);
    ws_.async_close(websocket::close_reason(static_cast<websocket::close_code>(code), reason),
                    [self = shared_from_this()](beast::error_code) {});
    // A peer that does not read may never complete the close: cut it after 5 s.
    timer_.expires_after(std::chrono::seconds(5));
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec) beast::get_lowest_layer(self->ws_).close();
    });
  }

 private:
  prometheus::Gauge* gauge() {
    return kind_ == ws_connection::kind::visitor ? app_.stats.connections_visitor
                                                 : app_.stats.connections_agent;
  }

  void on_accept(beast::error_code ec) {
    if (ec) return;
    accepted_ = true;
    gauge()->Increment();
    conn_ = std::make_shared<ws_connection>(app_, kind_, weak_from_this(), std::move(site_key_), std::move(workspace_id_));
    beast::error_code ep_ec;
    auto ep = beast::get_lowest_layer(ws_).socket().remote_endpoint(ep_ec);
    conn_->set_client(ep_ec ? "" : ep.address().to_string(), std::move(forwarded_for_));
    registry_.add(this, [w = weak_from_this()] {
      if (auto s = w.lock())
        net::post(s->ws_.get_executor(), [s] { s->close(1001, "server shutting down"); });
    });
    auto now = std::chrono::steady_clock::now();
    last_heard_ = now;
    next_ping_ = now + app_.lim.ws_ping_interval;
    if (kind_ == ws_connection::kind::agent) hello_deadline_ = now + app_.lim.agent_hello_timeout;
    arm();
    do_read();
  }

  // One timer per socket serves every deadline: the agent's hello, the keepalive ping, the
  // silent-peer drop and the staff token's expiry. (close() takes it over for its own cut.)
  void arm() {
    if (closing_) return;
    auto at = std::min({next_ping_, last_heard_ + app_.lim.ws_idle_timeout, expiry_});
    if (!conn_->greeted()) at = std::min(at, hello_deadline_);
    timer_.expires_at(at);
    timer_.async_wait([w = weak_from_this()](beast::error_code ec) {
      if (auto s = w.lock(); s && !ec) s->tick();
    });
  }

  void tick() {
    if (closing_) return;
    auto now = std::chrono::steady_clock::now();
    if (!conn_->greeted() && now >= hello_deadline_) return close(4401, "hello timeout");
    if (now >= expiry_) return close(expiry_code_, expiry_reason_);
    if (now >= last_heard_ + app_.lim.ws_idle_timeout) {
      // Silent through two pings or more: the peer is gone; no closing handshake with it.
      app_.stats.ws_idle_dropped_total->Increment();
      closing_ = true;
      beast::error_code ec;
      beast::get_lowest_layer(ws_).socket().close(ec);
      return;
    }
    if (now >= next_ping_) {
      next_ping_ = now + app_.lim.ws_ping_interval;
      if (!pinging_) {
        pinging_ = true;
        ws_.async_ping({}, [self = shared_from_this()](beast::error_code) { self->pinging_ = false; });
      }
    }
    arm();
  }

  void do_read() {
    // A read waiting for a new frame prepares only kFirstChunk bytes (Beast would prepare
    // 1,536): idle sockets hold one such buffer each. The rest of a longer frame is already in
    // Beast's own buffer and follows in reads of up to kReadChunk.
    ws_.async_read_some(buffer_, buffer_.size() ? kReadChunk : kFirstChunk,
                        beast::bind_front_handler(&ws_session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec) {
      // closed, timed out, or a protocol violation Beast already answered (1007)
      closing_ = true;
      if (!discarding_) conn_->on_close();
      return;
    }
    if (discarding_) {
      // After our 1009: read and drop whatever the peer still sends until its close frame
      // (or close()'s 5 s cut), so that it reads our close frame instead of a reset.
      buffer_.consume(buffer_.size());
      return do_read();
    }
    if (buffer_.size() > app_.lim.ws_frame_max) {
      discarding_ = true;
      buffer_.consume(buffer_.size());
      buffer_.shrink_to_fit();
      conn_->on_close();
      close(1009, "frame too big");
      return do_read();
    }
    if (!ws_.is_message_done()) return do_read();  // more of this frame to come
    if (closing_) return;
    if (!ws_.got_text()) {
      buffer_.consume(buffer_.size());
      conn_->on_close();
      return close(1003, "binary frames are not supported");
    }
    last_heard_ = std::chrono::steady_clock::now();
    auto data = buffer_.cdata();
    conn_->on_text(std::string_view(static_cast<const char*>(data.data()), data.size()));
    buffer_.consume(buffer_.size());
    // Idle sockets dominate memory: give back any buffer a longer frame grew.
    if (buffer_.capacity() > kFirstChunk) buffer_.shrink_to_fit();
    do_read();
  }

  // TCP_CORK while several frames are queued: each frame is still one write, but the kernel
  // sends them as one segment when the queue drains (uncork), so the peer wakes once. On
  // loopback and small frames, the transmit path is most of the cost of a write.
  void cork(bool on) {
    if (corked_ == on) return;
    corked_ = on;
    int v = on ? 1 : 0;
    auto fd = beast::get_lowest_layer(ws_).socket().native_handle();
    ::setsockopt(fd, IPPROTO_TCP, TCP_CORK, &v, sizeof v);
  }

  void do_write() {
    writing_ = true;
    if (queue_.size() - next_ >= 2) cork(true);
    ws_.text(true);
    auto [frame, bounded] = std::move(queue_[next_++]);
    ws_.async_write(net::buffer(*frame), [self = shared_from_this(), frame, bounded](
                                             beast::error_code ec, std::size_t) {
      self->on_write(ec, bounded ? frame->size() : 0);
    });
  }

  void on_write(beast::error_code ec, std::size_t bytes) {
    writing_ = false;
    if (ec) {
      closing_ = true;
      queue_.clear();
      next_ = 0;
      return;
    }
    app_.stats.ws_frames_out_total->Increment();
    queued_bytes_ -= std::min(queued_bytes_, bytes);
    if (next_ == queue_.size()) {  // drained: reuse the vector from the start
      queue_.clear();
      next_ = 0;
      cork(false);
    }
    if (next_ < queue_.size() && !closing_) do_write();
  }

  app& app_;
  session_registry& registry_;
  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  net::steady_timer timer_;
  ws_connection::kind kind_;
  std::string site_key_;
  std::string workspace_id_;
  std::shared_ptr<ws_connection> conn_;
  std::string forwarded_for_;  // until the connection has it
  // Frames to write, oldest at next_. A vector, not a deque: an empty std::deque already holds
  // ~600 bytes, and most sockets are idle.
  std::vector<std::pair<std::shared_ptr<const std::string>, bool>> queue_;  // (frame, bounded)
  std::size_t next_ = 0;
  std::size_t queued_bytes_ = 0;
  // Keepalive and deadlines (arm()/tick()).
  std::chrono::steady_clock::time_point last_heard_{};
  std::chrono::steady_clock::time_point next_ping_{};
  std::chrono::steady_clock::time_point hello_deadline_ = std::chrono::steady_clock::time_point::max();
  std::chrono::steady_clock::time_point expiry_ = std::chrono::steady_clock::time_point::max();
  std::string expiry_reason_;
  std::uint16_t expiry_code_ = 0;
  bool pinging_ = false;
  bool writing_ = false;
  bool write_posted_ = false;
  bool corked_ = false;
  bool closing_ = false;
  bool accepted_ = false;
  bool discarding_ = false;  // closed with 1009: drain the peer until its close
  static constexpr std::size_t kReadChunk = 16 * 1024;
  static constexpr std::size_t kFirstChunk = 512;
};

}  // namespace

void start_ws_session(app& a, session_registry& registry, beast::tcp_stream&& stream,
                      beast::http::request<beast::http::string_body>&& req,
                      ws_connection::kind kind, std::string site_key, std::string workspace_id) {
  auto s = std::make_shared<ws_session>(a, registry, std::move(stream), kind, std::move(site_key),
                                        std::move(workspace_id));
  s->run(std::move(req));
}

}  // namespace sb::http
