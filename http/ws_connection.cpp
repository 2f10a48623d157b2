#include "http/ws_connection.hpp"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <utility>

#include "actors/chat_service.hpp"
#include "actors/directory.hpp"
#include "actors/json_text.hpp"
#include "http/attachments.hpp"
#include "http/ws_fields.hpp"
#include "http/staff_sockets.hpp"
#include "actors/tokens.hpp"
#include "http/metrics.hpp"
#include "http/stats_watch.hpp"
#include "actors/visitors/visitor_directory.hpp"
#include "http/rate_limiter.hpp"
#include "projections/history_projection.hpp"

namespace sb::http {
namespace {
using json = nlohmann::json;
using ws_fields::ack_frame;
using ws_fields::opt_seq;
using ws_fields::opt_string;
using ws_fields::req_string;

rate_limiter& visitor_messages() {
  static rate_limiter r;
  return r;
}

}  // namespace

std::string error_frame(errc code, const std::string& message, const std::string& ref) {
  json f{{"type", "error"}, {"code", to_code(code)}, {"message", message}};
  if (!ref.empty()) f["ref"] = ref;
  return f.dump();
}

ws_connection::ws_connection(app& a, kind k, std::weak_ptr<ws_transport> transport,
                             std::string site_key, std::string workspace_id)
    : app_(a),
      kind_(k),
      transport_(std::move(transport)),
      site_key_(std::move(site_key)),
      workspace_id_(std::move(workspace_id)),
      tokens_(a.lim.ws_frames_per_second * 2) {}


void ws_connection::send(std::string frame) {
  if (auto t = transport_.lock()) t->send(std::make_shared<const std::string>(std::move(frame)));
}

void ws_connection::send_error(errc code, const std::string& message, const std::string& ref) {
  send(error_frame(code, message, ref));
}

void ws_connection::deliver(const std::string& cid, std::uint64_t seq,
                            std::shared_ptr<const std::string> frame, bool backlog) {
  auto t = transport_.lock();
  if (!t) return;
  t->dispatch([w = weak_from_this(), cid, seq, backlog, frame = std::move(frame)] {
    auto self = w.lock();
    if (!self) return;
    if (seq) {
      auto it = self->last_seq_.find(cid);
      if (it == self->last_seq_.end()) return;  // unsubscribed meanwhile
      if (seq <= it->second) return;            // already sent: each seq once
      it->second = seq;
    } else if (!self->last_seq_.count(cid)) {
      // A visitor's new conversation: its place in the queue may come before the ack that
      // makes this socket know the conversation. Keep the latest (a few) until then.
      if (self->kind_ != kind::visitor) return;
      std::erase_if(self->early_, [&](const auto& e) { return e.first == cid; });
      if (self->early_.size() < 4) self->early_.emplace_back(cid, frame);
      return;
    }
    if (auto t = self->transport_.lock()) t->send(frame, !backlog);
  });
}

void ws_connection::send_early(const std::string& cid) {
  if (early_.empty()) return;
  for (auto& [id, frame] : early_)
    if (id == cid)
      if (auto t = transport_.lock()) t->send(frame, true);
  std::erase_if(early_, [&](const auto& e) { return e.first == cid; });
}

void ws_connection::set_client(std::string remote_ip, std::string forwarded_for) {
  remote_ip_ = std::move(remote_ip);
  forwarded_for_ = std::move(forwarded_for);
}

void ws_connection::push(std::shared_ptr<const std::string> frame) {
  auto t = transport_.lock();
  if (!t) return;
  t->dispatch([w = weak_from_this(), frame = std::move(frame)] {
    if (auto self = w.lock())
      if (auto t = self->transport_.lock()) t->send(frame);
  });
}

bool ws_connection::allow_frame() {
  auto now = std::chrono::steady_clock::now();
  std::chrono::duration<double> dt = now - refill_;
  refill_ = now;
  auto cap = app_.lim.ws_frames_per_second * 2;
  tokens_ = std::min(cap, tokens_ + dt.count() * app_.lim.ws_frames_per_second);
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

void ws_connection::on_text(std::string_view text) {
  try {
    handle_text(text);
  } catch (const std::exception& e) {
    // A bug, not the client's fault; the socket lives on.
    std::fprintf(stderr, "ws frame handler failed: %s\n", e.what());
    send_error(errc::internal, "internal error");
  }
}

void ws_connection::handle_text(std::string_view text) {
  app_.stats.ws_frames_in_total->Increment();
  if (!allow_frame()) return send_error(errc::rate_limited, "too many frames; slow down");
  if (hello_pending_) {  // answered in order once the welcome is out
    if (held_.size() >= 64) return send_error(errc::rate_limited, "wait for the welcome");
    held_.emplace_back(text);
    return;
  }
  auto f = json::parse(text, nullptr, false);
  if (f.is_discarded() || !f.is_object())
    return send_error(errc::bad_request, "frames are JSON objects");
  std::string ref;
  if (auto it = f.find("client_msg_id"); it != f.end() && it->is_string()) ref = *it;
  else if (auto id = f.find("id"); id != f.end() && id->is_string()) ref = *id;
  if (ref.size() > 256) ref.clear();
  auto type_it = f.find("type");
  if (type_it == f.end() || !type_it->is_string())
    return send_error(errc::bad_request, "a frame needs a string \"type\"", ref);
  std::string type = *type_it;
  if (type == "ping") {
    json pong{{"type", "pong"}};
    if (auto id = f.find("id"); id != f.end() && (id->is_string() || id->is_number())) pong["id"] = *id;
    return send(pong.dump());
  }
  if (!greeted_) {
    if (type != "hello") return send_error(errc::unauthorized, "say hello first", ref);
    return kind_ == kind::visitor ? on_hello_visitor(f) : on_hello_agent(f);
  }
  if (type == "hello") return send_error(errc::conflict, "already greeted", ref);
  if (kind_ == kind::visitor) on_visitor_frame(type, f);
  else on_agent_frame(type, f);
}

ws_connection::~ws_connection() {
  if (staff_handle_) app_.staff.remove(staff_handle_);
  // No staff_left here: on_close() did it, and at shutdown the service may be gone already
  // (the router drops sockets that died).
}

void ws_connection::on_close() {
  for (auto& [cid, seq] : last_seq_) app_.chat.unsubscribe(cid, this);
  last_seq_.clear();
  if (staff_handle_) app_.staff.remove(std::exchange(staff_handle_, 0));
  if (std::exchange(joined_router_, false)) app_.chat.staff_left(who_, this);
  if (std::exchange(counted_visit_, false) && app_.visitors) app_.visitors->disconnected(who_.who.id);
  if (std::exchange(watching_stats_, false) && app_.stats_watch) app_.stats_watch->unwatch(this);
}

void ws_connection::subscribe(const std::string& cid, std::uint64_t after_seq,
                              std::function<void(const failure&, const std::string&)> then) {
  // Mark the conversation as watched before the backlog can arrive (it is posted after us).
  bool fresh = !last_seq_.count(cid);
  if (fresh) last_seq_[cid] = after_seq;
  else last_seq_[cid] = std::min(last_seq_[cid], after_seq);
  app_.chat.subscribe(who_, cid, after_seq, weak_from_this(),
                      [this_w = weak_from_this(), cid, fresh, then = std::move(then)](
                          const failure& f, const conversation_info& info) {
                        auto self = this_w.lock();
                        if (!self) return;
                        self->on_strand([cid, fresh, f, json = info.json, then](ws_connection& c) {
                          if (f.code != errc::ok && fresh) c.last_seq_.erase(cid);
                          then(f, json);
                        });
                      });
}

void ws_connection::on_hello_visitor(const json& f) {
  std::string token;
  if (!opt_string(f, "visitor_token", token, 4096))
    return send_error(errc::bad_request, "visitor_token must be a string");
  std::string visitor_id;
  if (!token.empty()) {
    auto claims = app_.tokens.verify(token, unix_ms());
    if (claims && claims->value("typ", "") == "visitor" &&
        claims->value("wsp", "") == workspace_id_)
      visitor_id = claims->value("sub", "");
    // An invalid or expired token is not an error: the visitor simply starts anew.
  }
  if (visitor_id.empty()) {
    visitor_id = random_id("vi_");
    auto exp = unix_ms() + std::chrono::duration_cast<std::chrono::milliseconds>(
                               app_.visitor_token_ttl).count();
    token = app_.tokens.issue({{"typ", "visitor"}, {"sub", visitor_id}, {"wsp", workspace_id_},
                               {"exp", exp}});
  }
  who_ = {{"visitor", visitor_id, "Visitor"}, workspace_id_};
  std::string cid;
  std::uint64_t after_seq = 0;
  if (auto r = f.find("resume"); r != f.end() && !r->is_null()) {
    if (!r->is_object() || !req_string(*r, "conversation_id", cid, 64) ||
        !opt_seq(*r, "after_seq", after_seq))
      return send_error(errc::bad_request, "resume is {conversation_id, after_seq}");
  } else if (auto open = app_.chat.open_conversation_of(visitor_id)) {
    cid = *open;
  }
  json welcome{{"type", "welcome"}, {"visitor_id", visitor_id}, {"visitor_token", token},
               {"conversation", nullptr}};
  visitor_greeted(welcome);
  if (cid.empty()) {
    greeted_ = true;
    return send(welcome.dump());
  }
  hello_pending_ = true;
  subscribe(cid, after_seq, [this, welcome, cid](const failure& f, const std::string& info) mutable {
    if (f.code == errc::ok) {
      visitor_conversation_ = cid;
      welcome["conversation"] = json::parse(info);
    }
    send(welcome.dump());  // an unknown or foreign resume id just yields no conversation
    greeted_ = true;
    hello_pending_ = false;
    auto held = std::move(held_);
    held_.clear();
    for (auto& frame : held) on_text(frame);
  });
}

void ws_connection::on_visitor_frame(const std::string& type, const json& f) {
  std::string ref;
  opt_string(f, "client_msg_id", ref, 128);
  if (type == "identify") return on_identify(f);
  if (type == "open") return on_open(f);
  if (type == "message") {
    conversation::post_message m;
    if (!req_string(f, "client_msg_id", m.client_msg_id, 128))
      return send_error(errc::bad_request, "message needs a client_msg_id string (1-128 bytes)");
    if (!f.contains("text") || !f["text"].is_string())
      return send_error(errc::bad_request, "message needs a string text", ref);
    m.text = f["text"];
    auto att = check_attachments(app_, who_, f.value("attachments", json(nullptr)));
    if (!att.ok()) return send_error(att.error.code, att.error.message, ref);
    m.attachments = std::move(att.json);  // files the visitor may read: nothing to share
    // A person's pace, counted per visitor across all of its sockets and tabs.
    if (!visitor_messages().allow(who_.who.id, app_.lim.visitor_messages_per_second, std::chrono::seconds(1),
                                  app_.lim.visitor_message_burst))
      return send_error(errc::rate_limited, "too many messages; slow down", m.client_msg_id);
    app_.chat.visitor_message(
        who_, site_key_, m, weak_from_this(),
        [w = weak_from_this(), ref = m.client_msg_id](const failure& fl, const ack_info& a) {
          if (auto self = w.lock())
            self->on_strand([fl, a, ref](ws_connection& c) {
              if (fl.code != errc::ok) return c.send_error(fl.code, fl.message, ref);
              // the visitor now watches this conversation (the actor added us before acking)
              if (!c.last_seq_.count(a.conversation_id)) c.last_seq_[a.conversation_id] = 0;
              c.visitor_conversation_ = a.conversation_id;
              c.send(ack_frame(a));
              c.send_early(a.conversation_id);
            });
        },
        offline_message());
    return;
  }
  if (type == "typing" || type == "read" || type == "close" || type == "escalate") {
    std::string cid = visitor_conversation_;
    if (type == "read" && !opt_string(f, "conversation_id", cid, 64))
      return send_error(errc::bad_request, "conversation_id must be a string", ref);
    if (cid.empty()) return send_error(errc::not_found, "no open conversation", ref);
    if (type == "typing") {
      if (!f.contains("on") || !f["on"].is_boolean())
        return send_error(errc::bad_request, "typing needs a boolean on");
      return app_.chat.typing(who_, cid, f["on"]);
    }
    failure_callback reply = [w = weak_from_this(), ref](const failure& fl) {
      if (fl.code == errc::ok) return;
      if (auto self = w.lock())
        self->on_strand([fl, ref](ws_connection& c) { c.send_error(fl.code, fl.message, ref); });
    };
    if (type == "escalate")
      return app_.chat.escalate(who_, cid, [reply](const failure& fl, const conversation_info&) { reply(fl); });
    if (type == "close") return app_.chat.close(who_, cid, reply);
    std::uint64_t seq = 0;
    if (!f.contains("seq") || !opt_seq(f, "seq", seq))
      return send_error(errc::bad_request, "read needs a non-negative integer seq", ref);
    return app_.chat.mark_read(who_, cid, seq, reply);
  }
  send_error(errc::bad_request, "unknown frame type " + type.substr(0, 64), ref);
}

}  // namespace sb::http
