#include "integrations/webhooks/webhook_payload.hpp"

#include "actors/conversation/events.hpp"

namespace sb::integrations {
namespace {
using json = nlohmann::json;
constexpr std::string_view kConversationPrefix = "conversation/";
constexpr std::string_view kVisitorPrefix = "visitor/";
}  // namespace

const char* outgoing_type(std::string_view t) {
  if (t == "message_posted") return "message.created";
  if (t == "status_changed") return "conversation.status_changed";
  if (t == "conversation_opened") return "conversation.created";
  if (t == "visitor_identified") return "visitor.identified";
  return "";
}

std::optional<outgoing_event> to_outgoing(const events::envelope& e) {
  const bool message = e.type == "message_posted", status = e.type == "status_changed",
             opened = e.type == "conversation_opened", identified = e.type == "visitor_identified";
  if (!message && !status && !opened && !identified) return std::nullopt;
  outgoing_event out;
  if (identified) {
    if (e.stream.rfind(kVisitorPrefix, 0) != 0) return std::nullopt;
    auto d = json::parse(e.data, nullptr, false);
    if (!d.is_object()) return std::nullopt;
    out.type = "visitor.identified";
    out.lane_key = e.stream;
    out.workspace_id = d.value("workspace_id", "");
    json data{{"visitor_id", e.stream.substr(kVisitorPrefix.size())}};
    for (auto* f : {"name", "email", "phone", "fields"})
      if (d.contains(f)) data[f] = d[f];
    out.data = std::move(data);
    return out;
  }
  if (e.stream.rfind(kConversationPrefix, 0) != 0) return std::nullopt;
  out.conversation_id = e.stream.substr(kConversationPrefix.size());
  out.lane_key = e.stream;
  auto ev = conversation::decode_event(e.type, e.version, e.data);
  if (!ev) return std::nullopt;
  if (auto* o = std::get_if<conversation::opened>(&*ev)) {
    out.type = "conversation.created";
    out.workspace_id = o->workspace_id;
    out.data = {{"conversation_id", out.conversation_id},
                {"site_key", o->site_key},
                {"visitor", {{"kind", o->visitor.kind}, {"id", o->visitor.id}, {"name", o->visitor.name}}},
                {"ts", o->ts}};
    return out;
  }
  auto frame = json::parse(conversation::render_frame(out.conversation_id, *ev), nullptr, false);
  if (!frame.is_object()) return std::nullopt;
  frame.erase("type");
  out.type = message ? "message.created" : "conversation.status_changed";
  out.data = std::move(frame);
  return out;
}

std::string payload_text(const outgoing_event& ev, std::uint64_t position, std::int64_t ts,
                         const std::string& workspace_id) {
  json j{{"id", "evt_" + std::to_string(position)},
         {"type", ev.type},
         {"created_ts", ts},
         {"workspace_id", workspace_id},
         {"data", ev.data}};
  return j.dump();
}

}  // namespace sb::integrations
