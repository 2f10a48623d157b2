#include "http/api.hpp"

#include "http/api_support.hpp"
#include "actors/bots/bot_tokens.hpp"
#include "integrations/channels/channel_outbox.hpp"
#include "integrations/webhooks/outbox.hpp"
#include "http/static_files.hpp"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "actors/chat_service.hpp"
#include "actors/conversation/decide.hpp"
#include "actors/directory.hpp"
#include "actors/tokens.hpp"
#include "events/blocking_pool.hpp"
#include "events/group_commit_writer.hpp"
#include "http/metrics.hpp"
#include "http/staff_sockets.hpp"
#include "projections/history_fold.hpp"
#include "projections/history_projection.hpp"

namespace sb::http {
using json = nlohmann::json;

bool origin_allowed(const json& widget, const std::string& origin) {
  auto it = widget.find("allowed_origins");
  if (it == widget.end() || !it->is_array()) return false;
  for (auto& o : *it)
    if (o == "*" || o == origin) return true;
  return false;
}

std::string error_body(errc code, const std::string& message) {
  return json{{"error", {{"code", to_code(code)}, {"message", message}}}}.dump();
}

std::optional<staff> authenticate_staff(const app& a, const std::string& token) {
  auto claims = a.tokens.verify(token, unix_ms());
  if (!claims || claims->value("typ", "") != "staff") return std::nullopt;
  auto jti = claims->value("jti", "");
  if (jti.empty() || a.dir.revoked(jti)) return std::nullopt;
  auto u = a.dir.user_by_id(claims->value("sub", ""));
  if (!u || u->workspace_id != claims->value("wsp", "")) return std::nullopt;
  return staff{{{u->role == "admin" ? "admin" : "agent", u->id, u->name}, u->workspace_id},
               u->id, u->role, jti, (*claims)["exp"].get<std::int64_t>()};
}

std::string issue_staff_token(const app& a, const std::string& user_id, const std::string& workspace_id) {
  auto exp = unix_ms() + std::chrono::duration_cast<std::chrono::milliseconds>(a.token_ttl).count();
  return a.tokens.issue({{"typ", "staff"}, {"sub", user_id}, {"wsp", workspace_id},
                         {"jti", random_id("tk_")}, {"exp", exp}});
}

void route_request(app& a, api_request req, respond_fn respond);

namespace {
rate_limiter& staff_writes() {
  static rate_limiter r;
  return r;
}
}  // namespace

void handle_request(app& a, api_request req, respond_fn respond) {
  try {
    route_request(a, std::move(req), respond);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "request handler failed: %s\n", e.what());
    respond(error(errc::internal, "internal error"));
  }
}

void route_request(app& a, api_request req, respond_fn respond) {
  a.stats.http_requests_total->Increment();
  if (req.path == "/healthz") return respond(reply(200, {{"status", "ok"}}));
  if (req.path == "/readyz") {
    bool ready = a.writer.healthy() && a.history.healthy();
    return respond(reply(ready ? 200 : 503, {{"ready", ready}, {"log_writable", a.writer.healthy()},
                                             {"read_models_ok", a.history.healthy()},
                                             {"position", a.writer.last_position()},
                                             {"history_position", a.history.applied_position()}}));
  }
  if (req.path == "/metrics") {
    a.stats.live_actors->Set(static_cast<double>(a.chat.live_actors()));
    if (a.outbox) a.stats.webhook_backlog_events->Set(static_cast<double>(a.outbox->backlog()));
    if (a.channel_outbox) a.stats.channel_backlog_requests->Set(static_cast<double>(a.channel_outbox->backlog()));
    auto pos = a.writer.last_position();
    a.stats.log_position->Set(static_cast<double>(pos));
    a.stats.projection_lag_events->Set(static_cast<double>(pos - std::min(pos, a.history.applied_position())));
    return respond({200, a.stats.serialize(), "text/plain; version=0.0.4; charset=utf-8", {}});
  }
  if (is_static_path(req.path))  // file reads go to the blocking pool, off the I/O threads
    return a.readers.submit([&a, req = std::move(req), respond = std::move(respond)] {
      try {
        if (auto page = serve_static(a.web_dir, req)) respond(std::move(*page));
      } catch (const std::exception& e) {
        std::fprintf(stderr, "static file failed: %s\n", e.what());
        respond(error(errc::internal, "internal error"));
      }
    });
  auto parts = split_path(req.path);
  if (parts.size() == 3 && parts[0] == "hooks" && parts[1] == "instagram")
    return handle_instagram_hook(a, req, parts, std::move(respond));
  if (parts.size() == 3 && parts[0] == "hooks" && parts[1] == "telegram")
    return handle_telegram_hook(a, req, parts, std::move(respond));
  if (parts.size() < 3 || parts[0] != "api" || parts[1] != "v1")
    return respond(error(errc::not_found, "no such endpoint"));
  if (req.method == "OPTIONS") return handle_preflight(a, req, parts, std::move(respond));
  if (parts[2] == "files") {  // raw bodies; a widget on another origin names itself (CORS)
    auto cors = cors_headers(a, req, parse_query(req.query)["site_key"]);
    if (!cors.empty())
      respond = [respond, cors](api_response r) {
        r.headers.insert(r.headers.end(), cors.begin(), cors.end());
        respond(std::move(r));
      };
    return handle_files(a, req, parts, std::move(respond));
  }
  if (req.body.size() > a.lim.http_body_max) return respond(error(errc::too_large, "body over 1 MiB"));
  const auto& area = parts[2];
  if (area == "auth") return handle_auth(a, req, parts, std::move(respond));
  std::optional<staff> s;
  if (req.authorization.rfind("Bearer ", 0) == 0) {
    auto token = req.authorization.substr(7);
    if (!bots::bot_tokens::looks_like_bot_token(token)) {
      s = authenticate_staff(a, token);
    } else if (auto b = a.bot_tokens ? a.bot_tokens->authenticate(token) : std::nullopt) {
      s = staff{{{"bot", b->id, b->name}, b->workspace_id}, "", "bot", b->id, 0};
      if (area != "conversations") return respond(error(errc::forbidden, "bot tokens may use /conversations only"));
    }
  }
  if (area == "widgets") return handle_widgets(a, s, req, parts, std::move(respond));
  if (!s) return respond(error(errc::unauthorized, "missing or invalid token"));
  if (area == "me" && parts.size() == 3 && req.method == "GET") {
    auto u = a.dir.user_by_id(s->user_id);
    if (!u) return respond(error(errc::unauthorized, "this user no longer exists"));
    return respond(reply(200, u->public_json()));
  }
  // Staff writes are limited per token (a person's pace, with room for a burst).
  if (req.method != "GET" &&
      !staff_writes().allow(s->token_id, a.lim.staff_writes_per_second, std::chrono::seconds(1),
                            a.lim.staff_writes_per_second * 5))
    return respond(error(errc::rate_limited, "too many writes; slow down"));
  if (area == "users") return handle_users(a, *s, req, parts, std::move(respond));
  if (area == "conversations") return handle_conversations(a, *s, req, parts, std::move(respond));
  if (area == "queue") return handle_queue(a, *s, req, parts, std::move(respond));
  if (area == "stats") return handle_stats(a, *s, req, parts, std::move(respond));
  if (area == "visitors") return handle_visitors(a, *s, req, parts, std::move(respond));
  if (area == "workspace") return handle_workspace(a, *s, req, parts, std::move(respond));
  if (area == "canned") return handle_canned(a, *s, req, parts, std::move(respond));
  if (area == "flows") return handle_flows(a, *s, req, parts, std::move(respond));
  if (area == "channels") return handle_channels(a, *s, req, parts, std::move(respond));
  if (area == "ai") return handle_ai(a, *s, req, parts, std::move(respond));
  if (area == "bot_tokens") return handle_bot_tokens(a, *s, req, parts, std::move(respond));
  if (area == "webhooks") return handle_webhooks(a, *s, req, parts, std::move(respond));
  respond(error(errc::not_found, "no such endpoint"));
}

}  // namespace sb::http
