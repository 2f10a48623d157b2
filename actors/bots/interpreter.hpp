#pragma once
// interpreter: runs a parsed bot flow one visitor turn at a time. A call executes nodes until
// the run must wait (for the visitor, or for a webhook the caller makes), ends (handoff, close,
// a message without next) or reaches kMaxSteps, and returns the new state plus the effects the
// caller carries out in order (say, handoff, close, webhook, error).
//
// Pure: no I/O, no clock, no threads, no shared state; any thread may call these functions on
// a shared const flow. The caller persists run_state (to_json) between calls.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/bots/flow.hpp"  // also defines button

namespace sb::bots {

// Node executions allowed in one call; past them the run stops with an error effect and a
// handoff effect (a person takes over), state done.
constexpr int kMaxSteps = 100;

// Where a run stands; what the server persists between calls. JSON:
// {"node": id, "vars": {...}, "at": "idle|waiting_input|waiting_webhook|done", "wait_var": v}
struct run_state {
  std::string node;  // the node to continue at ("" = not started); the last node once done
  nlohmann::json vars = nlohmann::json::object();
  enum class phase { idle, waiting_input, waiting_webhook, done } at = phase::idle;
  std::string wait_var;  // for waiting_input ("" = only vars.last_input)

  nlohmann::json to_json() const;
  // Missing fields take their defaults ({} is a run not started); wrong types give nullopt.
  static std::optional<run_state> from_json(const nlohmann::json& j);
  bool operator==(const run_state&) const = default;
};

// What the server knows about the visitor and the workspace at the time of the call.
struct context {
  std::string visitor_name, visitor_email, visitor_phone;
  bool business_hours_open = true;
};

struct webhook_request {
  std::string url, method;
  nlohmann::json body;  // null for GET
};

struct effect {
  enum class kind { say, handoff, close, webhook, error } what = kind::say;
  // say. A handoff or close node's text is a separate say effect before it.
  std::string text;
  std::vector<button> buttons;
  webhook_request request;  // webhook: always the last effect; the run waits for its answer
  std::string error;        // error (e.g. "step limit of 100 reached at node x")
};

struct step_result {
  run_state state;
  std::vector<effect> effects;
  int steps = 0;  // nodes executed by this call
};

// A fresh run from the flow's start node.
step_result start_run(const flow& f, const context& ctx);

// The visitor wrote `text`. In order: a run that is done answers handoff (the bot has nothing
// more to say); a handoff keyword hands off; a run waiting for input stores the text and goes
// on; a run not started starts (the text is vars.last_input); a run waiting for a webhook
// ignores the text (no effects) but records vars.last_input.
step_result on_visitor_message(const flow& f, run_state state, const context& ctx,
                               std::string_view text);

// The webhook the run waits for answered (`response`) or failed (nullptr): stores the node's
// `store` paths and continues at next, or continues at on_error. Ignored (no effects, state
// unchanged) when the run is not waiting for a webhook.
step_result on_webhook_result(const flow& f, run_state state, const context& ctx,
                              const nlohmann::json* response);

}  // namespace sb::bots
