#include <regex>
#include <set>

#include "actors/directory.hpp"
#include "actors/visitors/business_hours.hpp"
#include "actors/tokens.hpp"

// Widgets: validation, defaults and their writes (part of directory, see directory.hpp).
namespace sb {
namespace {
using json = nlohmann::json;

const std::regex& origin_re() {
  static const std::regex re{R"(^https?://[A-Za-z0-9.\-]+(:[0-9]{1,5})?$)"};
  return re;
}
const std::regex& color_re() {
  static const std::regex re{R"(^#[0-9A-Fa-f]{6}$)"};
  return re;
}
const std::regex& hhmm_re() {
  static const std::regex re{R"(^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$)"};
  return re;
}

}  // namespace

json directory::widget_defaults() {
  return {{"name", "Website"},
          {"title", "Chat with us"},
          {"welcome_message", "Hi! How can we help?"},
          {"colors", {{"primary", "#2563eb"}, {"secondary", "#ffffff"}}},
          {"side", "right"},
          {"prechat", {{"enabled", false}, {"fields", json::array()}}},
          {"allowed_origins", json::array({"*"})},
          {"business_hours", nullptr},
          {"bot_flow_id", nullptr},
          {"external_bot", nullptr},
          {"ai_bot", nullptr},
          {"offline_message", "We are away right now; leave a message and we will reply."}};
}

std::optional<failure> directory::check_widget(const json& b) {
  auto bad = [](std::string m) { return failure{errc::bad_request, std::move(m)}; };
  if (!b.is_object()) return bad("body must be a JSON object");
  for (auto* f : {"name", "title"})
    if (b.contains(f) && !short_string(b[f], 200)) return bad(std::string(f) + " must be a string of at most 200 bytes");
  for (auto* f : {"welcome_message", "offline_message"})
    if (b.contains(f) && !short_string(b[f], 4000)) return bad(std::string(f) + " must be a string of at most 4000 bytes");
  if (b.contains("bot_flow_id") && !b["bot_flow_id"].is_null() && !short_string(b["bot_flow_id"], 64))
    return bad("bot_flow_id must be null or a flow id");
  if (b.contains("external_bot") && !b["external_bot"].is_null()) {
    auto& e = b["external_bot"];
    if (!e.is_object()) return bad("external_bot must be null or {name, handoff_after_seconds}");
    for (auto& [k, v] : e.items())
      if (k != "name" && k != "handoff_after_seconds") return bad("external_bot has no field " + k);
    if (!e.contains("name") || !short_string(e["name"], 80) || e["name"].get<std::string>().empty())
      return bad("external_bot.name must be a string of 1 to 80 bytes");
    if (e.contains("handoff_after_seconds") &&
        (!e["handoff_after_seconds"].is_number_integer() || e["handoff_after_seconds"].get<std::int64_t>() < 1 ||
         e["handoff_after_seconds"].get<std::int64_t>() > 3600))
      return bad("external_bot.handoff_after_seconds must be 1 to 3600");
    if (b.contains("bot_flow_id") && !b["bot_flow_id"].is_null())
      return bad("a widget has one bot: a flow, an external bot or an AI bot");
  }
  if (b.contains("ai_bot") && !b["ai_bot"].is_null()) {
    auto& e = b["ai_bot"];
    if (!e.is_object() || e.size() != 1 || !e.contains("name") || !short_string(e["name"], 80) ||
        e["name"].get<std::string>().empty())
      return bad("ai_bot must be null or {name} (1 to 80 bytes)");
    if ((b.contains("bot_flow_id") && !b["bot_flow_id"].is_null()) ||
        (b.contains("external_bot") && !b["external_bot"].is_null()))
      return bad("a widget has one bot: a flow, an external bot or an AI bot");
  }
  if (b.contains("side") && b["side"] != "left" && b["side"] != "right")
    return bad("side must be left or right");
  if (b.contains("colors")) {
    auto& c = b["colors"];
    if (!c.is_object()) return bad("colors must be an object");
    for (auto* f : {"primary", "secondary"})
      if (c.contains(f) && (!c[f].is_string() || !std::regex_match(c[f].get<std::string>(), color_re())))
        return bad(std::string("colors.") + f + " must look like #rrggbb");
  }
  if (b.contains("allowed_origins")) {
    auto& o = b["allowed_origins"];
    if (!o.is_array() || o.size() > 100) return bad("allowed_origins must be an array (at most 100)");
    for (auto& x : o)
      if (!x.is_string() || (x != "*" && !std::regex_match(x.get<std::string>(), origin_re())))
        return bad("allowed_origins holds \"*\" or exact origins like https://shop.example");
  }
  if (b.contains("prechat")) {
    auto& p = b["prechat"];
    if (!p.is_object() || (p.contains("enabled") && !p["enabled"].is_boolean()))
      return bad("prechat must be {enabled, fields}");
    if (p.contains("fields")) {
      if (!p["fields"].is_array() || p["fields"].size() > 20) return bad("prechat.fields must be an array (at most 20)");
      for (auto& f : p["fields"]) {
        if (!f.is_object() || !short_string(f.value("name", json{}), 100) ||
            (f.contains("label") && !short_string(f["label"], 200)) ||
            (f.contains("required") && !f["required"].is_boolean()))
          return bad("each prechat field needs a name, a label and a boolean required");
        auto type = f.contains("type") ? f["type"] : json("text");
        if (type != "text" && type != "email" && type != "phone")
          return bad("prechat field type must be text, email or phone");
      }
    }
  }
  if (b.contains("business_hours") && !b["business_hours"].is_null()) {
    auto& h = b["business_hours"];
    if (!h.is_object() || !short_string(h.value("timezone", json{}), 64) ||
        !h.contains("days") || !h["days"].is_object())
      return bad("business_hours must be null or {timezone, days}");
    static const std::set<std::string> days{"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    for (auto& [day, ranges] : h["days"].items()) {
      if (!days.count(day) || !ranges.is_array()) return bad("business_hours.days uses mon..sun");
      for (auto& r : ranges)
        if (!r.is_array() || r.size() != 2 || !r[0].is_string() || !r[1].is_string() ||
            !std::regex_match(r[0].get<std::string>(), hhmm_re()) ||
            !std::regex_match(r[1].get<std::string>(), hhmm_re()))
          return bad("business hours are [\"HH:MM\",\"HH:MM\"] ranges");
    }
    if (auto f = visitors::check_business_hours(h)) return f;  // a real IANA zone, sane ranges
  }
  return std::nullopt;
}

void directory::create_widget(const std::string& workspace_id, const json& body,
                              write_callback done) {
  if (auto f = check_widget(body)) return done({*f, {}, 0});
  auto w = widget_defaults();
  for (auto& [k, v] : w.items())
    if (body.contains(k)) v = body[k];
  auto now = unix_ms();
  w["site_key"] = random_id("wk_", 16);
  w["workspace_id"] = workspace_id;
  w["created_ts"] = now;
  w["updated_ts"] = now;
  w["version"] = 1;
  write(workspace_id, "widget_created", w, w, std::move(done));
}

void directory::update_widget(const std::string& workspace_id, const std::string& site_key,
                              const json& body, write_callback done) {
  auto w = widget(site_key);
  if (!w || w->value("workspace_id", "") != workspace_id)
    return done({{errc::not_found, "no such widget"}, {}, 0});
  if (auto f = check_widget(body)) return done({*f, {}, 0});
  const auto fields = widget_defaults();  // a named object: items() of a temporary dangles
  for (auto& [k, v] : fields.items())
    if (body.contains(k)) (*w)[k] = body[k];
  (*w)["updated_ts"] = unix_ms();
  (*w)["version"] = w->value("version", 1) + 1;
  write(workspace_id, "widget_updated", *w, *w, std::move(done));
}

void directory::delete_widget(const std::string& workspace_id, const std::string& site_key,
                              write_callback done) {
  auto w = widget(site_key);
  if (!w || w->value("workspace_id", "") != workspace_id)
    return done({{errc::not_found, "no such widget"}, {}, 0});
  write(workspace_id, "widget_deleted", {{"site_key", site_key}},
        {{"site_key", site_key}, {"deleted", true}}, std::move(done));
}

}  // namespace sb
