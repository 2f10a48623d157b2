// ws_connection, the agent's side: hello (token, the router's welcome) and the agent frames
// (subscribe, message with private notes and attachments, accept, transfer, close, typing,
// read, presence, watch_stats). See ws_connection.hpp.
#include <nlohmann/json.hpp>
#include <utility>

#include "actors/chat_service.hpp"
#include "actors/directory.hpp"
#include "http/api_support.hpp"
#include "http/attachments.hpp"
#include "http/staff_sockets.hpp"
#include "http/stats_watch.hpp"
#include "http/ws_connection.hpp"
#include "http/ws_fields.hpp"
#include "projections/history_projection.hpp"

namespace sb::http {
using json = nlohmann::json;
using ws_fields::ack_frame;
using ws_fields::opt_seq;
using ws_fields::opt_string;
using ws_fields::req_string;

void ws_connection::on_hello_agent(const json& f) {
  std::string token;
  if (!req_string(f, "token", token, 4096))
    return send_error(errc::bad_request, "hello needs a string token");
  auto s = authenticate_staff(app_, token);
  if (!s) {
    send_error(errc::unauthorized, "invalid or expired token");
    if (auto t = transport_.lock()) t->close(4401, "unauthorized");
    return;
  }
  who_ = s->who;
  // Logging out or deleting the user closes this socket; so does the token's expiry.
  staff_handle_ = app_.staff.add(s->user_id, s->token_id,
                                 [w = weak_from_this()](std::uint16_t code, const std::string& reason) {
                                   if (auto self = w.lock())
                                     self->on_strand([code, reason](ws_connection& c) {
                                       if (auto t = c.transport_.lock()) t->close(code, reason);
                                     });
                                 });
  if (auto t = transport_.lock())
    t->close_at(std::chrono::system_clock::time_point{std::chrono::milliseconds{s->token_exp}}, 4401,
                "token expired");
  // The router counts this socket (presence) from now on and answers with the queue, then
  // pushes queue/presence/assigned frames; frames that come meanwhile wait for the welcome.
  joined_router_ = true;
  hello_pending_ = true;
  auto user = app_.dir.user_by_id(s->user_id);
  app_.chat.staff_joined(who_, weak_from_this(), [w = weak_from_this(), user](const std::string& queue) {
    auto self = w.lock();
    if (!self) return;
    self->on_strand([user, queue](ws_connection& c) {
      json conversations = c.app_.history.list(c.who_.workspace_id, "", 100, "")["items"];
      for (auto& item : conversations) with_visitor(c.app_, c.who_.workspace_id, item);
      c.send(json{{"type", "welcome"}, {"user", user ? user->public_json() : json(nullptr)},
                  {"queue", json::parse(queue)}, {"conversations", conversations}}
                 .dump());
      c.greeted_ = true;
      c.hello_pending_ = false;
      auto held = std::move(c.held_);
      c.held_.clear();
      for (auto& frame : held) c.on_text(frame);
    });
  });
}

void ws_connection::on_agent_frame(const std::string& type, const json& f) {
  std::string ref, cid;
  opt_string(f, "client_msg_id", ref, 128);
  if (type == "watch_stats") return on_watch_stats(f);
  if (type == "unwatch_stats") {
    if (std::exchange(watching_stats_, false) && app_.stats_watch) app_.stats_watch->unwatch(this);
    return;
  }
  if (type == "presence") {
    std::string status;
    if (!req_string(f, "status", status, 16) || (status != "online" && status != "away"))
      return send_error(errc::bad_request, "presence needs status online or away", ref);
    return app_.chat.presence(who_, status);
  }
  if (!req_string(f, "conversation_id", cid, 64))
    return send_error(errc::bad_request, type.substr(0, 64) + " needs a string conversation_id",
                      ref);
  auto reply_error = [w = weak_from_this(), ref](const failure& fl) {
    if (auto self = w.lock())
      self->on_strand([fl, ref](ws_connection& c) { c.send_error(fl.code, fl.message, ref); });
  };
  if (type == "subscribe") {
    std::uint64_t after = 0;
    if (!opt_seq(f, "after_seq", after))
      return send_error(errc::bad_request, "after_seq must be a non-negative integer");
    std::string id;
    opt_string(f, "id", id, 256);
    return subscribe(cid, after, [this, id](const failure& fl, const std::string&) {
      if (fl.code != errc::ok) send_error(fl.code, fl.message, id);
    });
  }
  if (type == "unsubscribe") {
    last_seq_.erase(cid);
    return app_.chat.unsubscribe(cid, this);
  }
  if (type == "message") {
    conversation::post_message m;
    if (!req_string(f, "client_msg_id", m.client_msg_id, 128))
      return send_error(errc::bad_request, "message needs a client_msg_id string (1-128 bytes)");
    if (!f.contains("text") || !f["text"].is_string())
      return send_error(errc::bad_request, "message needs a string text", ref);
    if (f.contains("private") && !f["private"].is_null() && !f["private"].is_boolean())
      return send_error(errc::bad_request, "private must be a boolean", ref);
    m.private_note = f.contains("private") && f["private"] == true;
    m.text = f["text"];
    auto att = check_attachments(app_, who_, f.value("attachments", json(nullptr)));
    if (!att.ok()) return send_error(att.error.code, att.error.message, ref);
    m.attachments = std::move(att.json);
    // The conversation's visitor may read the files before the message reaches it (a private
    // note shares nothing); without attachments this posts at once.
    auto share = m.private_note ? std::vector<std::string>{} : std::move(att.ids);
    return share_with_visitor(app_, who_, cid, share, [&a = app_, who = who_, cid, m, w = weak_from_this(),
                                                       reply_error](const failure& sf) {
      if (sf.code != errc::ok) return reply_error(sf);
      a.chat.post(who, cid, m, [w, reply_error](const failure& fl, const ack_info& a) {
        if (fl.code != errc::ok) return reply_error(fl);
        if (auto self = w.lock())
          self->on_strand([a](ws_connection& c) { c.send(ack_frame(a)); });
      });
    });
  }
  auto done = [reply_error](const failure& fl) {
    if (fl.code != errc::ok) reply_error(fl);
  };
  if (type == "accept") return app_.chat.accept(who_, cid, failure_callback(done));
  if (type == "transfer") {
    std::string to;
    if (!req_string(f, "to_user_id", to, 64))
      return send_error(errc::bad_request, "transfer needs a string to_user_id", ref);
    return app_.chat.transfer(who_, who_.who.kind == "admin", cid, to,
                              [done](const failure& fl, const conversation_info&) { done(fl); });
  }
  if (type == "close") return app_.chat.close(who_, cid, failure_callback(done));
  if (type == "typing") {
    if (!f.contains("on") || !f["on"].is_boolean())
      return send_error(errc::bad_request, "typing needs a boolean on");
    return app_.chat.typing(who_, cid, f["on"]);
  }
  if (type == "read") {
    std::uint64_t seq = 0;
    if (!f.contains("seq") || !opt_seq(f, "seq", seq))
      return send_error(errc::bad_request, "read needs a non-negative integer seq", ref);
    return app_.chat.mark_read(who_, cid, seq, failure_callback(done));
  }
  send_error(errc::bad_request, "unknown frame type " + type.substr(0, 64), ref);
}

}  // namespace sb::http
