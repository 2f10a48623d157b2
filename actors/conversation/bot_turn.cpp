#include "actors/conversation/bot_turn.hpp"

namespace sb::conversation {
namespace {
using json = nlohmann::json;

bots::run_state run_of(const bot_run_ref& r) {
  if (r.run.empty()) return {};
  auto j = json::parse(r.run, nullptr, false);
  if (!j.is_object()) return {};
  auto s = bots::run_state::from_json(j);
  return s ? *s : bots::run_state{};
}

bot_turn_result to_events(const bot_run_ref& r, bots::step_result step, std::uint64_t seq, std::int64_t now) {
  bot_turn_result out;
  out.steps = step.steps;
  party bot{"bot", r.flow_id, r.name.empty() ? std::string("Bot") : r.name};
  bool ended = false;
  for (auto& e : step.effects) {
    if (ended) break;
    switch (e.what) {
      case bots::effect::kind::say: {
        message_posted m{seq, now, "bot-" + std::to_string(seq), bot, e.text, "[]", false};
        if (!e.buttons.empty()) {
          json b = json::array();
          for (auto& x : e.buttons) b.push_back({{"label", x.label}, {"value", x.value}});
          m.buttons = b.dump();
        }
        out.events.push_back(std::move(m));
        ++seq;
        break;
      }
      case bots::effect::kind::handoff:
        out.events.push_back(status_changed{seq++, now, "waiting", std::nullopt, "handoff", {}});
        ended = true;
        break;
      case bots::effect::kind::close:
        out.events.push_back(status_changed{seq++, now, "closed", std::nullopt, "bot", {}});
        ended = true;
        break;
      case bots::effect::kind::webhook: out.calls.push_back(e.request); break;
      case bots::effect::kind::error: out.errors.push_back(e.error); break;
    }
  }
  auto run = step.state.to_json().dump();
  if (run != r.run) out.events.push_back(bot_state{r.flow_id, r.version, r.name, run, now});
  return out;
}

}  // namespace

bot_turn_result bot_on_message(const bots::flow& f, const bot_run_ref& r, const bots::context& ctx,
                               std::string_view text, std::uint64_t next_seq, std::int64_t now_ms) {
  return to_events(r, bots::on_visitor_message(f, run_of(r), ctx, text), next_seq, now_ms);
}

bot_turn_result bot_on_webhook(const bots::flow& f, const bot_run_ref& r, const bots::context& ctx,
                               const json* response, std::uint64_t next_seq, std::int64_t now_ms) {
  return to_events(r, bots::on_webhook_result(f, run_of(r), ctx, response), next_seq, now_ms);
}

bot_turn_result bot_lost(std::uint64_t next_seq, std::int64_t now_ms) {
  bot_turn_result out;
  out.events.push_back(status_changed{next_seq, now_ms, "waiting", std::nullopt, "handoff", {}});
  out.errors.push_back("the conversation's flow version is gone: handed to a person");
  return out;
}

}  // namespace sb::conversation
