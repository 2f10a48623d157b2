#include "actors/bots/simulate.hpp"

#include "actors/bots/interpreter.hpp"

namespace sb::bots {
namespace {
using json = nlohmann::json;

std::string text_of(const json& v, const char* key) {
  auto it = v.find(key);
  return it != v.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

json effect_json(const effect& e) {
  switch (e.what) {
    case effect::kind::say: {
      json buttons = json::array();
      for (auto& b : e.buttons) buttons.push_back({{"label", b.label}, {"value", b.value}});
      return {{"type", "say"}, {"text", e.text}, {"buttons", buttons}};
    }
    case effect::kind::handoff: return {{"type", "handoff"}};
    case effect::kind::close: return {{"type", "close"}};
    case effect::kind::webhook:
      return {{"type", "webhook"}, {"url", e.request.url}, {"method", e.request.method}, {"body", e.request.body}};
    case effect::kind::error: return {{"type", "error"}, {"message", e.error}};
  }
  return json::object();
}

}  // namespace

simulation simulate(const flow& f, const json& body) {
  simulation out;
  auto bad = [&out](std::string m) {
    out.error = {errc::bad_request, std::move(m)};
    return out;
  };
  auto inputs = body.value("inputs", json::array());
  if (!inputs.is_array() || inputs.size() > 100) return bad("inputs is an array of at most 100 texts");
  for (auto& i : inputs)
    if (!i.is_string() || i.get_ref<const std::string&>().size() > 4000)
      return bad("each input is a text of at most 4000 bytes");
  auto answers = body.value("webhook_responses", json::array());
  if (!answers.is_array() || answers.size() > 100) return bad("webhook_responses is an array of at most 100");
  context ctx;
  if (auto v = body.find("visitor"); v != body.end()) {
    if (!v->is_object()) return bad("visitor is an object");
    ctx.visitor_name = text_of(*v, "name");
    ctx.visitor_email = text_of(*v, "email");
    ctx.visitor_phone = text_of(*v, "phone");
  }
  if (auto o = body.find("business_hours_open"); o != body.end()) {
    if (!o->is_boolean()) return bad("business_hours_open is a boolean");
    ctx.business_hours_open = *o;
  }
  std::size_t next_answer = 0;
  json steps = json::array();
  run_state state;
  std::string outcome = "waiting";
  // Runs one result to its end: webhook effects are answered from the body at once.
  auto record = [&](const json& input, step_result r) {
    json effects = json::array();
    for (;;) {
      bool called = false;
      for (auto& e : r.effects) {
        effects.push_back(effect_json(e));
        if (e.what == effect::kind::handoff) outcome = "handoff";
        if (e.what == effect::kind::close) outcome = "closed";
        if (e.what == effect::kind::webhook) called = true;
      }
      state = std::move(r.state);
      if (!called || state.at != run_state::phase::waiting_webhook) break;
      const json* answer = next_answer < answers.size() && !answers[next_answer].is_null() ? &answers[next_answer] : nullptr;
      ++next_answer;
      r = on_webhook_result(f, state, ctx, answer);
    }
    if (state.at == run_state::phase::done && outcome == "waiting") outcome = "ended";
    steps.push_back({{"input", input}, {"effects", effects}});
  };
  if (inputs.empty()) {
    record(nullptr, start_run(f, ctx));
  } else {
    for (auto& i : inputs) {
      if (outcome == "handoff" || outcome == "closed") break;  // a person (or nobody) answers now
      record(i, on_visitor_message(f, state, ctx, i.get_ref<const std::string&>()));
    }
  }
  out.transcript = {{"steps", steps}, {"state", state.to_json()}, {"outcome", outcome}};
  return out;
}

}  // namespace sb::bots
