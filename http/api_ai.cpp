// /api/v1/ai: the workspace's AI endpoint (docs/ai.md). Admins only: it holds an API key
// (write-only: GET says whether one is set, never what it is).
#include <nlohmann/json.hpp>

#include "http/api_support.hpp"
#include "http/app.hpp"
#include "integrations/ai/ai_settings_store.hpp"

namespace sb::http {

void handle_ai(app& a, const staff& s, const api_request& req, const std::vector<std::string>& parts,
               respond_fn respond) {
  if (!a.ai) return respond(error(errc::unavailable, "AI replies are not enabled here"));
  if (s.role != "admin") return respond(error(errc::forbidden, "only admins manage the AI settings"));
  if (parts.size() != 3) return respond(error(errc::not_found, "no such endpoint"));
  if (req.method == "GET") return respond(reply(200, a.ai->view(s.who.workspace_id)));
  if (req.method != "PUT") return respond(error(errc::not_found, "no such endpoint"));
  auto body = object_body(req, respond);
  if (!body) return;
  a.ai->configure(s.who.workspace_id, *body, [respond](const integrations::ai_settings_result& r) {
    if (r.error.code != errc::ok) return respond(error(r.error));
    auto out = r.object;
    out["position"] = r.position;
    respond(reply(200, out));
  });
}

}  // namespace sb::http
