// Micro-benchmarks of the bot flow engine (actors/bots): CPU per flow step, and per bot turn
// as a conversation runs it (interpreter + the events it becomes, bot_turn).
//
//   nice ninja -C build -j1 flow_bench
//   ./build/benchmarks/flow_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//
// The flow is a 10-step keyword flow like the ones businesses write: a greeting with quick
// replies, a wait, keyword and regex conditions, set actions with templates, and a reply. Each
// iteration answers one visitor message from the wait back to the wait (the resumed wait does
// not count; 9 nodes run); "per step" divides by the steps the interpreter reports.
#include <benchmark/benchmark.h>

#include <nlohmann/json.hpp>

#include "actors/bots/interpreter.hpp"
#include "actors/conversation/bot_turn.hpp"

namespace {
using json = nlohmann::json;
using namespace sb::bots;

std::shared_ptr<const flow> ten_step_flow() {
  auto def = json::parse(R"({
    "name": "Shop bot", "start": "hello",
    "nodes": [
      {"id":"hello","type":"message","text":"Hi {{visitor.name}}! Orders or pricing?",
       "buttons":[{"label":"Orders","value":"orders"},{"label":"Pricing","value":"pricing"}],"next":"ask"},
      {"id":"ask","type":"action","action":"wait","var":"topic","next":"kw"},
      {"id":"kw","type":"condition","match":"keyword","any":["order","orders","parcel"],"then":"mark","else":"price"},
      {"id":"mark","type":"action","action":"set","var":"kind","value":"order {{vars.topic}}","next":"num"},
      {"id":"num","type":"condition","match":"regex","pattern":"[0-9]{5}","then":"found","else":"hours"},
      {"id":"found","type":"action","action":"set","var":"order","value":"{{vars.last_input}}","next":"hours"},
      {"id":"hours","type":"condition","match":"business_hours","then":"cmp","else":"cmp"},
      {"id":"cmp","type":"condition","match":"compare","var":"kind","op":"contains","value":"order","then":"tag","else":"tag"},
      {"id":"tag","type":"action","action":"set","var":"seen","value":"yes","next":"reply"},
      {"id":"reply","type":"message","text":"Thanks {{visitor.name}}, about {{vars.kind}}.","next":"ask"},
      {"id":"price","type":"message","text":"Plans start at 10 EUR.","next":"ask"}
    ]})");
  flow_error err;
  auto f = parse_flow(def, err);
  if (!f) std::abort();
  return f;
}

// The run after the greeting: waiting for the visitor at `ask`.
run_state waiting(const flow& f, const context& ctx) {
  return on_visitor_message(f, {}, ctx, "hello").state;
}

void BM_FlowStep(benchmark::State& state) {
  auto f = ten_step_flow();
  context ctx{"Ada", "ada@example.com", "", true};
  auto at_wait = waiting(*f, ctx);
  std::int64_t steps = 0;
  for (auto _ : state) {
    auto r = on_visitor_message(*f, at_wait, ctx, "where is my order 12345");
    steps += r.steps;
    benchmark::DoNotOptimize(r);
  }
  state.counters["steps_per_turn"] = benchmark::Counter(static_cast<double>(steps) / state.iterations());
  state.counters["ns_per_step"] =
      benchmark::Counter(static_cast<double>(steps), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_FlowStep);

void BM_BotTurnEvents(benchmark::State& state) {
  auto f = ten_step_flow();
  context ctx{"Ada", "ada@example.com", "", true};
  sb::conversation::bot_run_ref ref{"fl_1", 1, "Shop bot", waiting(*f, ctx).to_json().dump()};
  for (auto _ : state) {
    auto r = sb::conversation::bot_on_message(*f, ref, ctx, "where is my order 12345", 5, 1000);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_BotTurnEvents);

}  // namespace

BENCHMARK_MAIN();
