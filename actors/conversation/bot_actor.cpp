// The conversation actor's bot: runs a turn of the conversation's flow after a visitor's
// message (and when a webhook the flow called answers), and makes the calls the flow asks
// for. The flow logic is pure (bot_turn, actors/bots); this file is the wiring.
#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "actors/bots/flow_directory.hpp"
#include "actors/chat_service_impl.hpp"
#include "actors/directory.hpp"
#include "actors/conversation/actor_state.hpp"
#include "actors/conversation/bot_turn.hpp"
#include "actors/handoff.hpp"
#include "actors/visitors/business_hours.hpp"

namespace sb::conversation::detail {
namespace {
using json = nlohmann::json;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bots::context context_of(const conversation_state& st, const std::string& ws, const std::string& site_key,
                         const std::string& visitor_id) {
  bots::context c;
  if (st.env.opts.visitor_label)
    if (auto l = st.env.opts.visitor_label(ws, visitor_id)) {
      c.visitor_name = l->first;
      c.visitor_email = l->second;
    }
  auto widget = st.env.service->dir.widget(site_key);
  c.business_hours_open = !widget || visitors::is_open(widget->value("business_hours", json(nullptr)), now_ms());
  return c;
}

std::shared_ptr<const bots::flow> flow_of(const conversation_state& st, const std::string& ws,
                                          const bot_run_ref& ref) {
  return st.env.opts.flows ? st.env.opts.flows->version(ws, ref.flow_id, ref.version) : nullptr;
}

void log_errors(const conversation_state& st, const bot_run_ref& ref, const bot_turn_result& r) {
  for (auto& e : r.errors)
    std::fprintf(stderr, "bot: conversation %s, flow %s v%d: %s\n", st.id.c_str(), ref.flow_id.c_str(),
                 ref.version, e.c_str());
}

// Adds r's events to `evs`; `ref` and `next` follow the run and the seqs.
void merge(std::vector<event>& evs, bot_turn_result& r, bot_run_ref& ref, std::uint64_t& next) {
  for (auto& e : r.events) {
    if (auto seq = wire_seq(e)) next = seq + 1;
    if (auto* b = std::get_if<bot_state>(&e)) ref.run = b->run;
    evs.push_back(std::move(e));
  }
}

bool hands_over(const std::vector<event>& evs) {
  for (auto& e : evs)
    if (auto* s = std::get_if<status_changed>(&e); s && s->status != "bot") return true;
  return false;
}

bool waits_for_webhook(const bot_run_ref& ref) {
  auto j = json::parse(ref.run.empty() ? std::string("{}") : ref.run, nullptr, false);
  auto s = j.is_object() ? bots::run_state::from_json(j) : std::nullopt;
  return s && s->at == bots::run_state::phase::waiting_webhook;
}

// Makes the call (or fails it at once without a caller); the answer comes back as a message.
void start_call(self_ptr self, const bots::webhook_request& req) {
  auto& st = self->state;
  st.webhook_in_flight = true;
  auto h = caf::actor_cast<caf::actor>(self);
  auto answer = [h](std::optional<json> response) {
    handoff::release();
    caf::anon_send(h, webhook_answer{response ? std::make_shared<const json>(std::move(*response)) : nullptr});
  };
  if (!st.env.opts.call_webhook) return answer(std::nullopt);
  st.env.opts.call_webhook(req, std::move(answer));
}

}  // namespace

void add_bot_turn(self_ptr self, std::vector<event>& evs, const open_conversation* open, std::string_view text) {
  auto& st = self->state;
  bot_run_ref ref;
  std::string ws, site_key, visitor_id;
  if (open) {
    ref = {open->bot->flow_id, open->bot->version, open->bot->name, "{}"};
    ws = open->workspace_id, site_key = open->site_key, visitor_id = open->visitor.id;
  } else {
    ref = {st.s.bot_flow_id, st.s.bot_version, st.s.bot_name, st.s.bot_run};
    ws = st.s.workspace_id, site_key = st.s.site_key, visitor_id = st.s.visitor.id;
  }
  for (auto& e : evs)  // the run as this append leaves it (a reopen starts it over)
    if (auto* b = std::get_if<bot_state>(&e)) ref.run = b->run;
  std::uint64_t next = st.s.last_seq + 1;
  for (auto& e : evs)
    if (auto seq = wire_seq(e)) next = seq + 1;
  auto now = now_ms();
  auto flow = flow_of(st, ws, ref);
  if (!flow) {
    auto r = bot_lost(next, now);
    log_errors(st, ref, r);
    return merge(evs, r, ref, next);
  }
  auto ctx = context_of(st, ws, site_key, visitor_id);
  if (!st.webhook_in_flight && waits_for_webhook(ref)) {
    // The call was lost (the server restarted, or this actor was reloaded): it failed.
    auto r = bot_on_webhook(*flow, ref, ctx, nullptr, next, now);
    log_errors(st, ref, r);
    merge(evs, r, ref, next);
    if (hands_over(evs)) return;
    if (!r.calls.empty()) return start_call(self, r.calls.front());  // the message waits with it
  }
  auto r = bot_on_message(*flow, ref, ctx, text, next, now);
  log_errors(st, ref, r);
  merge(evs, r, ref, next);
  if (!r.calls.empty()) start_call(self, r.calls.front());
}

void on_webhook_answer(self_ptr self, const webhook_answer& a) {
  auto& st = self->state;
  st.webhook_in_flight = false;
  if (st.s.status != "bot") return;  // handed over meanwhile (escalate, accept)
  bot_run_ref ref{st.s.bot_flow_id, st.s.bot_version, st.s.bot_name, st.s.bot_run};
  if (!waits_for_webhook(ref)) return;
  auto next = st.s.last_seq + 1;
  auto now = now_ms();
  auto flow = flow_of(st, st.s.workspace_id, ref);
  auto r = flow ? bot_on_webhook(*flow, ref, context_of(st, st.s.workspace_id, st.s.site_key, st.s.visitor.id),
                                 a.response.get(), next, now)
                : bot_lost(next, now);
  log_errors(st, ref, r);
  if (r.events.empty()) return;
  auto calls = std::move(r.calls);
  write(self, pending_write{std::move(r.events), nullptr, nullptr, {}, {}});
  if (!calls.empty()) start_call(self, calls.front());
}

void wait_for_external_bot(self_ptr self, const std::vector<event>& evs, std::int64_t handoff_after_ms) {
  if (handoff_after_ms <= 0) return;
  std::uint64_t seq = 0;
  for (auto& e : evs)
    if (auto* m = std::get_if<message_posted>(&e)) seq = m->seq;
  if (!seq) return;
  ++self->state.external_bot_waits;
  self->delayed_send(self, std::chrono::milliseconds(handoff_after_ms), external_bot_due{seq});
}

void on_external_bot_due(self_ptr self, const external_bot_due& d) {
  auto& st = self->state;
  --st.external_bot_waits;
  // Handed over meanwhile, or the bot answered this message (or a later one): nothing to do.
  if (st.s.status != "bot" || st.s.last_bot_seq > d.seq) return;
  std::vector<event> evs{status_changed{st.s.last_seq + 1, now_ms(), "waiting", std::nullopt, "handoff", {}}};
  write(self, pending_write{std::move(evs), nullptr, nullptr, {}, {}});
}

void resume_bot_work(self_ptr self) {
  auto& st = self->state;
  if (st.s.status != "bot") return;
  bool unanswered = st.s.last_visitor_seq > st.s.last_bot_seq;
  if (st.s.bot_flow_id == kAiBot) {
    if (unanswered) start_ai_turn(self);
    return;
  }
  if (st.s.bot_flow_id.empty()) {
    if (!unanswered || st.s.bot_handoff_after_ms <= 0) return;
    auto left = std::max<std::int64_t>(0, st.s.bot_handoff_after_ms - (now_ms() - st.s.last_visitor_ts));
    ++st.external_bot_waits;
    self->delayed_send(self, std::chrono::milliseconds(left), external_bot_due{st.s.last_visitor_seq});
    return;
  }
  if (!st.webhook_in_flight && waits_for_webhook({st.s.bot_flow_id, st.s.bot_version, st.s.bot_name, st.s.bot_run}))
    on_webhook_answer(self, webhook_answer{nullptr});
}

}  // namespace sb::conversation::detail
