#include "http/startup.hpp"

#include <cstdio>

#include <nlohmann/json.hpp>

#include "actors/directory.hpp"
#include "events/log.hpp"
#include "projections/history_projection.hpp"

namespace sb::http {

std::vector<sb::restored_conversation> restorable(const sb::projections::history_projection& history,
                                                  const std::vector<std::string>& workspaces) {
  std::vector<sb::restored_conversation> out;
  for (auto& ws : workspaces)
    for (auto* status : {"bot", "waiting", "active", "closed"}) {
      std::string cursor;
      for (;;) {
        auto page = history.list(ws, status, 1000, cursor);
        for (auto& item : page["items"]) {
          auto s = history.summary(item["id"]);
          if (!s) continue;
          sb::restored_conversation c;
          c.id = (*s)["id"];
          c.workspace_id = ws;
          c.site_key = s->value("site_key", "");
          c.status = status;
          auto& a = (*s)["agent"];
          if (a.is_object()) c.agent = sb::conversation::party{"agent", a.value("id", ""), a.value("name", "")};
          auto& v = (*s)["visitor"];
          c.visitor = {v.value("kind", "visitor"), v.value("id", ""), v.value("name", "Visitor")};
          c.queue_key = s->value("queue_key", std::int64_t{0});
          c.since_ts = s->value("waiting_since", s->value("created_ts", std::int64_t{0}));
          c.updated_ts = s->value("updated_ts", std::int64_t{0});
          c.last_text = s->value("last_visitor_text", "");
          if (auto m = s->find("last_message"); m != s->end() && m->is_object() && (*m)["sender"].is_object())
            c.visitor_spoke_last = (*m)["sender"].value("kind", "") == "visitor";
          out.push_back(std::move(c));
        }
        if (page["next_cursor"].is_null()) break;
        cursor = page["next_cursor"];
      }
    }
  return out;
}

std::optional<std::string> meta_key(sb::events::event_log& log, const std::string& name, std::string (*generate)()) {
  sb::events::status st;
  auto key = log.get_meta(name, st);
  if (!st) {
    std::fprintf(stderr, "cannot read the %s: %s\n", name.c_str(), st.message().c_str());
    return std::nullopt;
  }
  if (key) return key;
  key = generate();
  if (auto s = log.put_meta(name, *key); !s) {
    std::fprintf(stderr, "cannot store the %s: %s\n", name.c_str(), s.message().c_str());
    return std::nullopt;
  }
  return key;
}


sb::integrations::telegram_bridge::act_fn telegram_actions(sb::chat_service& chat, const sb::directory& dir) {
  return [&chat, &dir](const sb::integrations::telegram_staff_reply& r, std::function<void(const std::string&)> done) {
    sb::conversation::principal who{{"agent", "tg" + r.telegram_user_id, r.telegram_name + " (Telegram)"}, r.workspace_id};
    if (auto u = r.user_id.empty() ? std::nullopt : dir.user_by_id(r.user_id); u && u->workspace_id == r.workspace_id)
      who.who = {u->role, u->id, u->name};
    if (r.close)
      return chat.close(who, r.conversation_id, [done](const sb::failure& f, const sb::conversation_info&) {
        done(f.code == sb::errc::ok ? "" : f.message);
      });
    sb::conversation::post_message msg;
    msg.client_msg_id = r.client_msg_id;
    msg.text = r.text;
    chat.post(who, r.conversation_id, std::move(msg), [done](const sb::failure& f, const sb::ack_info&) {
      done(f.code == sb::errc::ok ? "" : f.message);
    });
  };
}

}  // namespace sb::http
