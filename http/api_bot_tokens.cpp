// /api/v1/bot_tokens: external bots' API tokens (admins only; actors/bots/bot_tokens.hpp).
#include <nlohmann/json.hpp>

#include "actors/bots/bot_tokens.hpp"
#include "http/api_support.hpp"
#include "http/app.hpp"

namespace sb::http {

void handle_bot_tokens(app& a, const staff& s, const api_request& req, const std::vector<std::string>& parts,
                       respond_fn respond) {
  if (!a.bot_tokens) return respond(error(errc::unavailable, "bot tokens are not enabled here"));
  if (s.role != "admin") return respond(error(errc::forbidden, "only admins manage bot tokens"));
  auto ws = s.who.workspace_id;
  auto done = [respond](int status) {
    return [respond, status](const bots::bot_token_result& r) {
      if (r.error.code != errc::ok) return respond(error(r.error));
      auto body = r.object;
      body["position"] = r.position;
      respond(reply(status, body));
    };
  };
  if (parts.size() == 3 && req.method == "GET")
    return respond(reply(200, {{"items", a.bot_tokens->list(ws)}, {"next_cursor", nullptr}}));
  if (parts.size() == 3 && req.method == "POST") {
    auto body = object_body(req, respond);
    if (!body) return;
    return a.bot_tokens->create(ws, *body, done(201));
  }
  if (parts.size() == 4 && req.method == "DELETE") return a.bot_tokens->revoke(ws, parts[3], done(200));
  respond(error(errc::not_found, "no such endpoint"));
}

}  // namespace sb::http
