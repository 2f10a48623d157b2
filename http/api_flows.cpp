// /api/v1/flows: the workspace's bot flows (docs/flows.md). Staff read them, admins write
// them. The rules live in actors/bots (flow_directory validates and versions, the interpreter
// runs); this file only maps HTTP onto them.
#include <nlohmann/json.hpp>

#include "actors/bots/flow_directory.hpp"
#include "actors/bots/simulate.hpp"
#include "http/api_support.hpp"
#include "http/app.hpp"

namespace sb::http {
namespace {
using json = nlohmann::json;

void flow_answer(const respond_fn& respond, int status, const bots::flow_result& r) {
  if (r.error.code == errc::bad_request && !r.node.empty())  // which node is wrong
    return respond(reply(400, {{"error", {{"code", "bad_request"}, {"message", r.error.message}, {"node", r.node}}}}));
  if (r.error.code != errc::ok) return respond(error(r.error));
  json body = r.object;
  body["position"] = r.position;
  respond(reply(status, body));
}

}  // namespace

void handle_flows(app& a, const staff& s, const api_request& req, const std::vector<std::string>& parts,
                  respond_fn respond) {
  if (!a.flows) return respond(error(errc::unavailable, "bots are not enabled here"));
  auto& flows = *a.flows;
  auto ws = s.who.workspace_id;
  auto done = [respond](int status) {
    return [respond, status](const bots::flow_result& r) { flow_answer(respond, status, r); };
  };
  bool admin = s.role == "admin";
  if (parts.size() == 3 && req.method == "GET")
    return respond(reply(200, {{"items", flows.list(ws)}, {"next_cursor", nullptr}}));
  if (parts.size() == 4 && req.method == "GET") {
    auto f = flows.get(ws, parts[3]);
    if (!f) return respond(error(errc::not_found, "no such flow"));
    return respond(reply(200, *f));
  }
  if (parts.size() == 5 && parts[4] == "simulate" && req.method == "POST") {
    auto body = object_body(req, respond);
    if (!body) return;
    auto f = flows.current(ws, parts[3]);
    if (!f) return respond(error(errc::not_found, "no such flow"));
    auto out = bots::simulate(*f->compiled, *body);
    if (out.error.code != errc::ok) return respond(error(out.error));
    out.transcript["flow_id"] = f->id;
    out.transcript["version"] = f->version;
    return respond(reply(200, out.transcript));
  }
  if (req.method != "GET" && !admin) return respond(error(errc::forbidden, "only admins manage flows"));
  if (parts.size() == 3 && req.method == "POST") {
    auto body = object_body(req, respond);
    if (!body) return;
    return flows.create(ws, *body, done(201));
  }
  if (parts.size() == 4 && req.method == "PUT") {
    auto body = object_body(req, respond);
    if (!body) return;
    return flows.update(ws, parts[3], *body, done(200));
  }
  if (parts.size() == 4 && req.method == "DELETE") return flows.remove(ws, parts[3], done(200));
  respond(error(errc::not_found, "no such endpoint"));
}

}  // namespace sb::http
