#include "actors/conversation/decide.hpp"

namespace sb::conversation {
namespace {

outcome fail(errc code, std::string message) {
  outcome o;
  o.error = {code, std::move(message)};
  return o;
}

bool may_touch(const state& s, const principal& who) {
  if (who.is_staff() || who.is_router() || who.is_bot()) return who.workspace_id == s.workspace_id;
  if (who.who.kind == "visitor")
    return who.who.id == s.visitor.id && (who.workspace_id.empty() || who.workspace_id == s.workspace_id);
  return false;
}

party sender_of(const principal& who) {
  party p = who.who;
  if (p.kind == "admin") p.kind = "agent";  // on the wire staff speak as agents
  return p;
}

}  // namespace

std::optional<failure> check_message(const post_message& m) {
  if (m.client_msg_id.empty() || m.client_msg_id.size() > kMaxClientMsgIdBytes)
    return failure{errc::bad_request, "client_msg_id must be 1 to 128 bytes"};
  auto n = utf8_length(m.text);
  if (!n) return failure{errc::bad_request, "text is not valid UTF-8"};
  bool has_attachments = !m.attachments.empty() && m.attachments != "[]";
  if (!has_attachments && (*n == 0 || m.text.find_first_not_of(" \t\r\n") == std::string::npos))
    return failure{errc::bad_request, "text must not be empty"};
  if (*n > kMaxTextChars) return failure{errc::too_large, "text is longer than 4000 characters"};
  return std::nullopt;
}

std::optional<std::size_t> utf8_length(std::string_view t) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < t.size();) {
    auto c = static_cast<unsigned char>(t[i]);
    std::size_t len;
    std::uint32_t cp;
    if (c < 0x80) { len = 1; cp = c; }
    else if ((c & 0xe0) == 0xc0) { len = 2; cp = c & 0x1f; }
    else if ((c & 0xf0) == 0xe0) { len = 3; cp = c & 0x0f; }
    else if ((c & 0xf8) == 0xf0) { len = 4; cp = c & 0x07; }
    else return std::nullopt;
    if (i + len > t.size()) return std::nullopt;
    for (std::size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(t[i + k]);
      if ((cc & 0xc0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (cc & 0x3f);
    }
    // overlong forms, surrogates and values past U+10FFFF are invalid
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
      return std::nullopt;
    i += len;
    ++n;
  }
  return n;
}

outcome decide_open(const state& s, const std::string& conversation_id,
                    const open_conversation& open, const post_message& first, std::int64_t now_ms) {
  if (s.exists()) return fail(errc::conflict, "conversation already exists");
  if (auto f = check_message(first)) return fail(f->code, f->message);
  outcome o;
  o.events.push_back(opened{conversation_id, open.workspace_id, open.site_key, open.visitor, now_ms, open.channel});
  o.events.push_back(
      message_posted{1, now_ms, first.client_msg_id, open.visitor, first.text, first.attachments, false});
  if (open.bot) {  // the bot answers first (the actor runs its first turn right after this)
    o.events.push_back(status_changed{2, now_ms, "bot", std::nullopt, "open", {}});
    o.events.push_back(bot_state{open.bot->flow_id, open.bot->version, open.bot->name, "{}", now_ms,
                                 open.bot->handoff_after_ms});
    return o;
  }
  o.events.push_back(status_changed{2, now_ms, "waiting", std::nullopt, "open", {}});
  if (!open.offline_message.empty())
    o.events.push_back(message_posted{3, now_ms, "offline-" + first.client_msg_id,
                                      {"system", "system", "Switchboard"}, open.offline_message, "[]", false});
  return o;
}

outcome decide(const state& s, const principal& who, const command& cmd, std::int64_t now_ms) {
  if (!s.exists()) return fail(errc::not_found, "no such conversation");
  if (!may_touch(s, who)) return fail(errc::not_found, "no such conversation");

  return std::visit(
      [&](const auto& c) -> outcome {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, post_message>) {
          if (auto f = check_message(c)) return fail(f->code, f->message);
          auto sender = sender_of(who);
          if (auto it = s.posted.find(posted_key(sender.id, c.client_msg_id)); it != s.posted.end()) {
            outcome o;
            o.duplicate_of = it->second;
            return o;
          }
          if (c.private_note && !who.is_staff())
            return fail(errc::forbidden, "only staff write private notes");
          outcome o;
          auto seq = s.last_seq + 1;
          if (s.status == "closed") {
            // A visitor's message reopens a recently closed conversation: back to the queue, or
            // back to its bot when it closed while the bot had it (the bot starts over).
            bool reopen = who.who.kind == "visitor" && c.reopen_within_ms > 0 &&
                          now_ms - s.closed_ts < c.reopen_within_ms;
            if (!reopen) return fail(errc::conflict, "conversation is closed");
            bool to_bot = s.closed_from == "bot";
            o.events.push_back(message_posted{seq, now_ms, c.client_msg_id, sender, c.text,
                                              c.attachments, false});
            o.events.push_back(status_changed{seq + 1, now_ms, to_bot ? "bot" : "waiting", std::nullopt, "reopen", {}});
            if (to_bot && !s.bot_flow_id.empty() && s.bot_flow_id != kAiBot)
              o.events.push_back(bot_state{s.bot_flow_id, s.bot_version, s.bot_name, "{}", now_ms, s.bot_handoff_after_ms});
            return o;
          }
          o.events.push_back(message_posted{seq, now_ms, c.client_msg_id, sender, c.text,
                                            c.attachments, c.private_note});
          return o;
        } else if constexpr (std::is_same_v<T, accept>) {
          if (!who.is_staff()) return fail(errc::forbidden, "only staff accept conversations");
          if (s.status == "closed") return fail(errc::conflict, "conversation is closed");
          if (s.status == "active") {
            if (s.agent && s.agent->id == who.who.id) return outcome{};  // already ours
            return fail(errc::conflict, "conversation is taken by another agent");
          }
          outcome o;
          o.events.push_back(status_changed{s.last_seq + 1, now_ms, "active", sender_of(who), "accept", {}});
          return o;
        } else if constexpr (std::is_same_v<T, close>) {
          if (who.is_router()) return fail(errc::forbidden, "the router does not close");
          if (s.status == "closed") return outcome{};
          outcome o;
          o.events.push_back(status_changed{s.last_seq + 1, now_ms, "closed", s.agent, "close", {}});
          return o;
        } else if constexpr (std::is_same_v<T, assign>) {
          if (!who.is_router()) return fail(errc::forbidden, "only the router assigns");
          if (s.status != "waiting") return fail(errc::conflict, "conversation is not waiting");
          outcome o;
          o.events.push_back(status_changed{s.last_seq + 1, now_ms, "active", c.agent, "assign", {}});
          return o;
        } else if constexpr (std::is_same_v<T, transfer>) {
          if (!who.is_staff()) return fail(errc::forbidden, "only staff transfer conversations");
          if (s.status == "closed") return fail(errc::conflict, "conversation is closed");
          if (s.status == "bot") return fail(errc::conflict, "a bot has this conversation");
          if (s.status == "active" && s.agent && s.agent->id == c.to.id) return outcome{};
          outcome o;
          o.events.push_back(status_changed{s.last_seq + 1, now_ms, "active", c.to, "transfer", {}});
          return o;
        } else if constexpr (std::is_same_v<T, requeue>) {
          if (!who.is_router()) return fail(errc::forbidden, "only the router requeues");
          if (s.status != "active") return fail(errc::conflict, "conversation is not active");
          outcome o;
          o.events.push_back(
              status_changed{s.last_seq + 1, now_ms, "waiting", std::nullopt, "requeue", c.queue_key});
          return o;
        } else if constexpr (std::is_same_v<T, escalate>) {
          // Without a bot every open conversation already waits for (or has) a human.
          if (s.status == "closed") return fail(errc::conflict, "conversation is closed");
          if (s.status != "bot") return outcome{};
          outcome o;
          o.events.push_back(status_changed{s.last_seq + 1, now_ms, "waiting", std::nullopt,
                                            who.is_bot() ? "handoff" : "escalate", {}});
          return o;
        } else if constexpr (std::is_same_v<T, set_labels>) {
          if (!who.is_staff()) return fail(errc::forbidden, "only staff label conversations");
          if (c.labels == s.labels) return outcome{};
          outcome o;
          o.events.push_back(labels_set{c.labels, now_ms});
          return o;
        } else {  // mark_read
          if (who.is_bot()) return fail(errc::forbidden, "bots do not mark messages read");
          if (c.seq == 0 || c.seq > s.last_seq) return fail(errc::bad_request, "seq out of range");
          auto current = who.is_staff() ? s.staff_read_seq : s.visitor_read_seq;
          if (c.seq <= current) return outcome{};
          outcome o;
          o.events.push_back(read_marked{sender_of(who), c.seq, now_ms});
          return o;
        }
      },
      cmd);
}

}  // namespace sb::conversation
