#include "actors/conversation/events.hpp"

#include <nlohmann/json.hpp>

#include "actors/json_text.hpp"

namespace sb::conversation {
namespace {
using json = nlohmann::json;

json party_json(const party& p) { return {{"kind", p.kind}, {"id", p.id}, {"name", p.name}}; }
party party_from(const json& j) {
  return {j.value("kind", ""), j.value("id", ""), j.value("name", "")};
}

// A status change as JSON text, by hand (two per dispatch of the router: close and assign);
// the same fields as data_json. `frame` renders the wire frame: "type" first, no queue_key.
std::string status_text(const std::string& cid, const status_changed& s, bool frame) {
  std::string out;
  out.reserve(192 + cid.size());
  out.push_back('{');
  if (frame) out += R"("type":"status",)";
  json_text::field(out, "conversation_id", cid, true);
  json_text::field(out, "seq", s.seq);
  json_text::field(out, "ts", s.ts);
  json_text::field(out, "status", s.status);
  out += R"(,"agent":)";
  if (s.agent) {
    json_text::field(out += '{', "id", s.agent->id, true);
    json_text::field(out, "name", s.agent->name);
    out.push_back('}');
  } else {
    out += "null";
  }
  out += R"(,"queue_position":null)";
  if (!s.via.empty()) json_text::field(out, "via", s.via);
  if (!frame && s.queue_key) json_text::field(out, "queue_key", *s.queue_key);
  out.push_back('}');
  return out;
}

json data_json(const std::string& cid, const event& e) {
  return std::visit(
      [&](const auto& ev) -> json {
        using T = std::decay_t<decltype(ev)>;
        if constexpr (std::is_same_v<T, opened>) {
          json j{{"conversation_id", ev.conversation_id}, {"workspace_id", ev.workspace_id},
                 {"site_key", ev.site_key}, {"visitor", party_json(ev.visitor)}, {"ts", ev.ts}};
          if (!ev.channel.empty()) j["channel"] = ev.channel;
          return j;
        } else if constexpr (std::is_same_v<T, message_posted>) {
          json j{{"conversation_id", cid}, {"seq", ev.seq}, {"ts", ev.ts},
                 {"client_msg_id", ev.client_msg_id}, {"sender", party_json(ev.sender)},
                 {"text", ev.text}, {"attachments", json::parse(ev.attachments, nullptr, false)}};
          if (!j["attachments"].is_array()) j["attachments"] = json::array();
          if (ev.private_note) j["private"] = true;
          if (!ev.buttons.empty()) {
            j["buttons"] = json::parse(ev.buttons, nullptr, false);
            if (!j["buttons"].is_array()) j.erase("buttons");
          }
          return j;
        } else if constexpr (std::is_same_v<T, status_changed>) {
          return json::parse(status_text(cid, ev, false));
        } else if constexpr (std::is_same_v<T, labels_set>) {
          return {{"conversation_id", cid}, {"labels", ev.labels}, {"ts", ev.ts}};
        } else if constexpr (std::is_same_v<T, bot_state>) {
          auto run = json::parse(ev.run, nullptr, false);
          json j{{"conversation_id", cid}, {"flow_id", ev.flow_id}, {"version", ev.version},
                 {"name", ev.name}, {"run", run.is_object() ? run : json::object()}, {"ts", ev.ts}};
          if (ev.handoff_after_ms) j["handoff_after_ms"] = ev.handoff_after_ms;
          return j;
        } else {
          return {{"conversation_id", cid},
                  {"reader", {{"kind", ev.reader.kind}, {"id", ev.reader.id}}},
                  {"seq", ev.seq}, {"ts", ev.ts}};
        }
      },
      e);
}

}  // namespace

std::string type_name(const event& e) {
  static const char* names[] = {"conversation_opened", "message_posted", "status_changed",
                                "read_marked", "labels_set", "bot_state"};
  return names[e.index()];
}

std::uint64_t wire_seq(const event& e) {
  if (auto* m = std::get_if<message_posted>(&e)) return m->seq;
  if (auto* s = std::get_if<status_changed>(&e)) return s->seq;
  return 0;
}

std::string encode_data(const std::string& cid, const event& e) {
  if (auto* s = std::get_if<status_changed>(&e)) return status_text(cid, *s, false);
  auto* m = std::get_if<message_posted>(&e);
  if (!m || !m->buttons.empty()) return data_json(cid, e).dump();
  // The hot one (every message), written by hand; same fields as data_json.
  std::string out;
  out.reserve(160 + m->text.size() + m->client_msg_id.size());
  out.push_back('{');
  json_text::field(out, "conversation_id", cid, true);
  json_text::field(out, "seq", m->seq);
  json_text::field(out, "ts", m->ts);
  json_text::field(out, "client_msg_id", m->client_msg_id);
  out += R"(,"sender":{)";
  json_text::field(out, "kind", m->sender.kind, true);
  json_text::field(out, "id", m->sender.id);
  json_text::field(out, "name", m->sender.name);
  out.push_back('}');
  json_text::field(out, "text", m->text);
  out += R"(,"attachments":)";
  out += m->attachments.empty() ? std::string("[]") : m->attachments;
  if (m->private_note) out += R"(,"private":true)";
  out.push_back('}');
  return out;
}

std::optional<event> decode_event(const std::string& type, std::uint16_t version,
                                  const std::string& data) {
  if (version != 1) return std::nullopt;
  auto j = json::parse(data, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  try {
    if (type == "conversation_opened")
      return opened{j.at("conversation_id"), j.at("workspace_id"), j.at("site_key"),
                    party_from(j.at("visitor")), j.at("ts"), j.value("channel", "")};
    if (type == "message_posted") {
      message_posted m{j.at("seq"), j.at("ts"), j.at("client_msg_id"), party_from(j.at("sender")),
                       j.at("text")};
      if (auto a = j.find("attachments"); a != j.end() && a->is_array() && !a->empty())
        m.attachments = a->dump();
      m.private_note = j.value("private", false);
      if (auto b = j.find("buttons"); b != j.end() && b->is_array() && !b->empty()) m.buttons = b->dump();
      return m;
    }
    if (type == "status_changed") {
      status_changed s{j.at("seq"), j.at("ts"), j.at("status"), std::nullopt, "", std::nullopt};
      if (j.at("agent").is_object())
        s.agent = party{"agent", j["agent"].value("id", ""), j["agent"].value("name", "")};
      s.via = j.value("via", "");
      if (auto k = j.find("queue_key"); k != j.end() && k->is_number_integer())
        s.queue_key = k->get<std::int64_t>();
      return s;
    }
    if (type == "labels_set")
      return labels_set{j.at("labels").get<std::vector<std::string>>(), j.at("ts")};
    if (type == "bot_state") {
      auto run = j.value("run", json::object());
      return bot_state{j.at("flow_id"), j.at("version"), j.value("name", ""), run.dump(), j.value("ts", std::int64_t{0}),
                       j.value("handoff_after_ms", std::int64_t{0})};
    }
    if (type == "read_marked")
      return read_marked{party_from(j.at("reader")), j.at("seq"), j.at("ts")};
  } catch (const json::exception&) {
    return std::nullopt;
  }
  return std::nullopt;
}

std::string render_frame(const std::string& cid, const event& e, const std::string& data) {
  const char* prefix = nullptr;
  switch (e.index()) {
    case 1: prefix = R"({"type":"message",)"; break;
    default: return render_frame(cid, e);  // status frames leave queue_key out
  }
  if (data.size() < 2 || data.front() != '{') return render_frame(cid, e);
  std::string frame{prefix};
  frame.append(data, 1);
  return frame;
}

std::string render_frame(const std::string& cid, const event& e) {
  const char* type = nullptr;
  switch (e.index()) {
    case 1: type = "message"; break;
    case 2: type = "status"; break;
    case 3: type = "read"; break;
    default: return {};
  }
  if (auto* s = std::get_if<status_changed>(&e)) return status_text(cid, *s, true);
  auto j = data_json(cid, e);
  if (e.index() == 3) j.erase("ts");
  if (e.index() == 2) j.erase("queue_key");
  j["type"] = type;
  return j.dump();
}

}  // namespace sb::conversation
