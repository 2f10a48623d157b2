#pragma once
// simulate: runs a flow on given inputs without a visitor or a conversation (POST
// /flows/{id}/simulate). Pure: webhook calls are not made, their answers come from the body.
// Any thread.
//
// body: {inputs?: [text, ...] (at most 100), visitor?: {name?, email?, phone?},
//        business_hours_open?: bool (default true), webhook_responses?: [json|null, ...]}
// The first input opens the conversation (as a visitor's first message does); without inputs
// the flow runs from its start once. Each webhook the flow calls takes the next answer of
// webhook_responses (null or none left: the call failed).
// Answer: {steps: [{input: text|null, effects: [{type: say|handoff|close|webhook|error, ...}]}],
//          state: run_state, outcome: waiting|handoff|closed|ended}
#include <nlohmann/json.hpp>

#include "actors/bots/flow.hpp"
#include "actors/errors.hpp"

namespace sb::bots {

struct simulation {
  failure error{errc::ok, {}};
  nlohmann::json transcript;
};

simulation simulate(const flow& f, const nlohmann::json& body);

}  // namespace sb::bots
