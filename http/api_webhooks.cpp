// /api/v1/webhooks: the workspace's outgoing webhook endpoints and their delivery logs
// (docs/webhooks.md). Admins only: endpoints carry the workspace's data out and their secrets
// sign it. The rules live in integrations/webhooks; this file maps HTTP onto them.
#include <nlohmann/json.hpp>

#include "events/blocking_pool.hpp"
#include "http/api_support.hpp"
#include "http/app.hpp"
#include "integrations/webhooks/outbox.hpp"
#include "integrations/webhooks/webhook_directory.hpp"

namespace sb::http {
namespace {
using json = nlohmann::json;

// "evt_123" -> 123
std::optional<std::uint64_t> event_position(const std::string& id) {
  if (id.rfind("evt_", 0) != 0 || id.size() < 5 || id.size() > 24) return std::nullopt;
  auto digits = id.substr(4);
  if (digits.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  auto p = std::stoull(digits);
  return p ? std::optional<std::uint64_t>(p) : std::nullopt;
}

}  // namespace

void handle_webhooks(app& a, const staff& s, const api_request& req, const std::vector<std::string>& parts,
                     respond_fn respond) {
  if (!a.webhooks || !a.outbox) return respond(error(errc::unavailable, "webhooks are not enabled here"));
  if (s.role != "admin") return respond(error(errc::forbidden, "only admins manage webhooks"));
  auto& hooks = *a.webhooks;
  auto ws = s.who.workspace_id;
  auto done = [respond](int status) {
    return [respond, status](const integrations::webhook_result& r) {
      if (r.error.code != errc::ok) return respond(error(r.error));
      json body = r.object;
      body["position"] = r.position;
      respond(reply(status, body));
    };
  };
  if (parts.size() == 3 && req.method == "GET")
    return respond(reply(200, {{"items", hooks.list(ws)}, {"next_cursor", nullptr}}));
  if (parts.size() == 3 && req.method == "POST") {
    auto body = object_body(req, respond);
    if (!body) return;
    return hooks.create(ws, *body, done(201));
  }
  if (parts.size() < 4) return respond(error(errc::not_found, "no such endpoint"));
  const auto& id = parts[3];
  if (parts.size() == 4 && req.method == "GET") {
    auto h = hooks.get(ws, id);
    if (!h) return respond(error(errc::not_found, "no such webhook"));
    return respond(reply(200, *h));
  }
  if (parts.size() == 4 && req.method == "PATCH") {
    auto body = object_body(req, respond);
    if (!body) return;
    return hooks.update(ws, id, *body, done(200));
  }
  if (parts.size() == 4 && req.method == "DELETE") return hooks.remove(ws, id, done(200));
  if (parts.size() == 5 && parts[4] == "rotate_secret" && req.method == "POST")
    return hooks.rotate_secret(ws, id, done(200));
  // Everything below reads the delivery log: the endpoint must be this workspace's.
  if (!hooks.endpoint(ws, id)) return respond(error(errc::not_found, "no such webhook"));
  if (parts.size() == 5 && parts[4] == "deliveries" && req.method == "GET") {
    auto q = parse_query(req.query);
    bool ok = true;
    auto limit = uint_param(q, "limit", ok).value_or(50);
    auto cursor = uint_param(q, "cursor", ok).value_or(0);
    if (!ok || limit == 0 || limit > 200) return respond(error(errc::bad_request, "limit is 1 to 200, cursor a number"));
    return a.readers.submit([&a, id, limit, cursor, respond] {
      respond(reply(200, a.outbox->deliveries(id, limit, cursor)));
    });
  }
  if (parts.size() == 7 && parts[4] == "deliveries" && parts[6] == "redeliver" && req.method == "POST") {
    auto pos = event_position(parts[5]);
    if (!pos) return respond(error(errc::not_found, "no such delivery"));
    auto f = a.outbox->redeliver(id, *pos);
    if (f.code != errc::ok) return respond(error(f));
    return respond(reply(202, {{"id", parts[5]}, {"queued", true}}));
  }
  respond(error(errc::not_found, "no such endpoint"));
}

}  // namespace sb::http
