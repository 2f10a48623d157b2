// An AI bot's turn in a conversation (docs/ai.md): the actor asks chat_options::ai_reply for a
// reply to its transcript, streams the text so far to the sockets as `partial` frames (not
// stored), and when the model is done writes its message, or hands the conversation to a
// person when the model called its handoff tool, failed, timed out or said nothing.
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "actors/chat_service_impl.hpp"
#include "actors/conversation/actor_state.hpp"
#include "actors/handoff.hpp"

namespace sb::conversation::detail {
namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

party ai_sender(const conversation_state& st) { return {"bot", "ai", st.s.bot_name.empty() ? "Assistant" : st.s.bot_name}; }

}  // namespace

void start_ai_turn(self_ptr self) {
  auto& st = self->state;
  if (st.ai_in_flight || st.s.status != "bot") return;  // the reply in flight answers this one too
  st.ai_in_flight = true;
  st.ai_for_seq = st.s.last_visitor_seq;
  if (!st.env.opts.ai_reply) return on_ai_done(self, {"", false, "no AI endpoint"});
  auto h = caf::actor_cast<caf::actor>(self);
  st.env.opts.ai_reply(
      st.s.workspace_id, st.s.transcript,
      [h](const std::string& text) {
        handoff::release();
        caf::anon_send(h, ai_partial{text});
      },
      [h](std::string text, bool handoff_asked, std::string error) {
        handoff::release();
        caf::anon_send(h, ai_done{std::move(text), handoff_asked, std::move(error)});
      });
}

void on_ai_partial(self_ptr self, const ai_partial& p) {
  auto& st = self->state;
  if (!st.ai_in_flight || st.s.status != "bot") return;
  auto who = ai_sender(st);
  nlohmann::json f{{"type", "partial"},
                   {"conversation_id", st.id},
                   {"sender", {{"kind", who.kind}, {"id", who.id}, {"name", who.name}}},
                   {"text", p.text}};
  st.frames->ephemeral(std::make_shared<const std::string>(f.dump()), who.id);
}

void on_ai_done(self_ptr self, const ai_done& d) {
  auto& st = self->state;
  st.ai_in_flight = false;
  if (st.s.status != "bot") return;  // a person took it meanwhile (accept, escalate)
  if (!d.error.empty())  // no URL or key in it: the egress error names the kind of failure only
    std::fprintf(stderr, "ai: conversation %s: %s; handing off\n", st.id.c_str(), d.error.c_str());
  std::vector<event> evs;
  auto seq = st.s.last_seq + 1;
  auto now = now_ms();
  auto text = d.error.empty() ? d.text.substr(0, 4000) : std::string();
  if (!text.empty())
    evs.push_back(message_posted{seq++, now, "ai-" + std::to_string(st.ai_for_seq), ai_sender(st), text, "[]", false});
  bool hand_off = d.handoff || !d.error.empty();
  if (hand_off) evs.push_back(status_changed{seq, now, "waiting", std::nullopt, "handoff", {}});
  write(self, pending_write{std::move(evs), nullptr, nullptr, {}, {}});
  // The visitor wrote again while the model was answering: answer that too.
  if (!hand_off && st.s.last_visitor_seq > st.ai_for_seq) start_ai_turn(self);
}

}  // namespace sb::conversation::detail
