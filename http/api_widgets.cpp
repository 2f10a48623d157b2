// /api/v1/widgets: the widgets' settings (staff) and their public config.
#include <nlohmann/json.hpp>

#include "actors/bots/flow_directory.hpp"
#include "actors/directory.hpp"
#include "http/api_support.hpp"

namespace sb::http {
namespace {
using json = nlohmann::json;

// `bot`: {name} when a bot answers first (an external bot, or a live flow), else null.
json public_config(const app& a, const json& w) {
  json bot = nullptr;
  if (auto ai = w.find("ai_bot"); ai != w.end() && ai->is_object()) {
    bot = {{"name", ai->value("name", "Assistant")}, {"ai", true}};
  } else if (auto e = w.find("external_bot"); e != w.end() && e->is_object()) {
    bot = {{"name", e->value("name", "Bot")}};
  } else if (auto f = w.find("bot_flow_id"); a.flows && f != w.end() && f->is_string()) {
    if (auto r = a.flows->current(w.value("workspace_id", ""), f->get<std::string>())) bot = {{"name", r->compiled->name()}};
  }
  return {{"site_key", w["site_key"]}, {"title", w["title"]}, {"welcome_message", w["welcome_message"]},
          {"colors", w["colors"]}, {"side", w["side"]}, {"prechat", w["prechat"]},
          {"business_hours", w["business_hours"]}, {"offline_message", w["offline_message"]}, {"bot", bot}};
}

// A widget may name a flow of its own workspace only (or none).
bool flow_exists(const app& a, const std::string& ws, const json& body) {
  auto it = body.find("bot_flow_id");
  if (it == body.end() || !it->is_string()) return true;  // null or absent (check_widget checks types)
  return a.flows && a.flows->current(ws, it->get<std::string>()).has_value();
}

}  // namespace

void handle_widgets(app& a, const std::optional<staff>& s, const api_request& req,
                    const std::vector<std::string>& parts, respond_fn respond) {
  // Public: GET /widgets/{site_key}/config
  if (parts.size() == 5 && parts[4] == "config" && req.method == "GET") {
    auto w = a.dir.widget(parts[3]);
    if (!w) return respond(error(errc::not_found, "no such widget"));
    auto etag = "\"" + std::to_string(w->value("version", 1)) + "\"";
    api_response r;
    if (req.if_none_match == etag) r.status = 304;
    else r.body = public_config(a, *w).dump();
    r.headers = {{"ETag", etag}, {"Cache-Control", "public, max-age=60"}};
    if (!req.origin.empty() && origin_allowed(*w, req.origin)) {
      r.headers.emplace_back("Access-Control-Allow-Origin", req.origin);
      r.headers.emplace_back("Vary", "Origin");
    }
    return respond(std::move(r));
  }
  if (!s) return respond(error(errc::unauthorized, "missing or invalid token"));
  auto ws = s->who.workspace_id;
  auto done = [respond](int status) {
    return [respond, status](const write_result& r) { write_answer(respond, status, r); };
  };
  if (parts.size() == 3 && req.method == "GET") {
    json items = json::array();
    for (auto& w : a.dir.widgets(ws)) items.push_back(w);
    return respond(reply(200, {{"items", items}, {"next_cursor", nullptr}}));
  }
  if (parts.size() == 3 && req.method == "POST") {
    auto body = object_body(req, respond);
    if (!body) return;
    if (!flow_exists(a, ws, *body)) return respond(error(errc::bad_request, "bot_flow_id names no flow of this workspace"));
    return a.dir.create_widget(ws, *body, done(201));
  }
  if (parts.size() == 4) {
    auto key = parts[3];
    if (req.method == "GET") {
      auto w = a.dir.widget(key);
      if (!w || w->value("workspace_id", "") != ws) return respond(error(errc::not_found, "no such widget"));
      return respond(reply(200, *w));
    }
    if (req.method == "PATCH") {
      auto body = object_body(req, respond);
      if (!body) return;
      if (!flow_exists(a, ws, *body))
        return respond(error(errc::bad_request, "bot_flow_id names no flow of this workspace"));
      return a.dir.update_widget(ws, key, *body, done(200));
    }
    if (req.method == "DELETE") return a.dir.delete_widget(ws, key, done(200));
  }
  respond(error(errc::not_found, "no such endpoint"));
}

std::vector<std::pair<std::string, std::string>> cors_headers(app& a, const api_request& req,
                                                              const std::string& site_key) {
  if (req.origin.empty() || site_key.empty()) return {};
  auto w = a.dir.widget(site_key);
  if (!w || !origin_allowed(*w, req.origin)) return {};
  return {{"Access-Control-Allow-Origin", req.origin}, {"Vary", "Origin"}};
}

// CORS preflight for what a widget on another origin calls: its config and uploads
// (`/files?site_key=K`, since a preflight carries no token). Allowed origins of that widget
// get 204 with the Access-Control-* headers; any other origin gets 403 without them.
void handle_preflight(app& a, const api_request& req, const std::vector<std::string>& parts,
                      respond_fn respond) {
  std::string site_key;
  if (parts.size() == 5 && parts[2] == "widgets" && parts[4] == "config") site_key = parts[3];
  if (parts.size() >= 3 && parts[2] == "files") site_key = parse_query(req.query)["site_key"];
  if (site_key.empty()) return respond(error(errc::not_found, "no CORS for this endpoint"));
  auto w = a.dir.widget(site_key);
  if (!w) return respond(error(errc::not_found, "no such widget"));
  if (req.origin.empty() || !origin_allowed(*w, req.origin))
    return respond(error(errc::forbidden, "origin not allowed for this widget"));
  api_response r{204, "", "text/plain", {}};
  r.headers = {{"Access-Control-Allow-Origin", req.origin},
               {"Access-Control-Allow-Methods", parts[2] == "files" ? "GET, POST, OPTIONS" : "GET, OPTIONS"},
               {"Access-Control-Allow-Headers", "Content-Type, X-Filename, X-Visitor-Token, If-None-Match"},
               {"Access-Control-Max-Age", "600"},
               {"Vary", "Origin"}};
  respond(std::move(r));
}

}  // namespace sb::http
