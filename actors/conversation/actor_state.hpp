// Inside a conversation actor (actor.cpp, write.cpp): its state and the write path. Not for
// other users: they talk to the actor through the messages of actor.hpp.
#pragma once

#include <caf/all.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/conversation/actor.hpp"
#include "actors/conversation/feed.hpp"
#include "actors/conversation/events.hpp"
#include "actors/conversation/state.hpp"

namespace sb::conversation::detail {

struct pending_write {
  std::vector<event> events;
  ack_callback ack;    // for a posted message (answered by the commit callback, see write())
  info_callback info;  // for control commands
  std::weak_ptr<frame_sink> watch;
  std::string watcher_id;
  bool info_errors_only = false;  // `info` hears of a failure only (see control_msg)
  std::shared_ptr<const durable_notice> notice{};  // pushed once durable (see control_msg)
};

struct conversation_state {
  actor_env env;
  std::string id;
  bool hydrated = false;
  state s;
  std::shared_ptr<feed> frames;   // durable frames and watchers; the durable frontier
  // Writes that need the actor after they are durable (control answers, closing), in order.
  std::deque<pending_write> pending;
  std::vector<std::pair<std::uint64_t, std::function<void()>>> after_durable;
  std::unordered_map<std::string, std::pair<std::uint64_t, party>> typing;  // id -> (gen, who)
  std::string last_visitor_text;     // shown in the queue
  std::chrono::steady_clock::time_point text_sent{};  // when the router last heard it
  bool text_flush_pending = false;
  bool webhook_in_flight = false;  // the bot waits for a webhook call this actor made
  int external_bot_waits = 0;      // external_bot_due timers armed (the actor stays for them)
  bool ai_in_flight = false;       // an AI bot's reply is being written by the model
  std::uint64_t ai_for_seq = 0;    // the visitor's last message when that reply was asked for
  std::chrono::steady_clock::time_point last_active = std::chrono::steady_clock::now();
  static inline const char* name = "conversation";
};

using self_ptr = caf::stateful_actor<conversation_state>*;

// Appends the events (already applied to the optimistic state: decide -> evolve happen here)
// and remembers who to answer once they are durable. Runs on the actor.
void write(self_ptr self, pending_write p);

// The bot of a `bot` conversation (bot_actor.cpp): a turn after the visitor's message `text`
// (its events are in `evs`; `open` is set for the message that opens the conversation), and
// the answer of a webhook call the flow made.
void add_bot_turn(self_ptr self, std::vector<event>& evs, const open_conversation* open, std::string_view text);
void on_webhook_answer(self_ptr self, const webhook_answer& a);
// A visitor wrote to an external bot's conversation (its message is in `evs`): if the bot has
// not answered it within `handoff_after_ms` (0: never), the conversation goes to a person.
void wait_for_external_bot(self_ptr self, const std::vector<event>& evs, std::int64_t handoff_after_ms);
void on_external_bot_due(self_ptr self, const external_bot_due& d);
// When the actor is loaded from the log in `bot` (after a restart): finishes what the bot owed
// the visitor when the process stopped. An AI reply that was being written is asked for again;
// an external bot's wait is armed for the time it had left (at once if that has passed); a
// flow's webhook call that was in flight counts as failed (the flow takes its on_error edge).
void resume_bot_work(self_ptr self);
// An AI bot (flow id kAiBot) answers the transcript; partial frames stream to the sockets,
// the reply or a handoff is written when it ends (docs/ai.md).
void start_ai_turn(self_ptr self);
void on_ai_partial(self_ptr self, const ai_partial& p);
void on_ai_done(self_ptr self, const ai_done& d);

// Whose read marker `e` is, if it is one.
inline read_side read_side_of(const event& e) {
  auto* r = std::get_if<read_marked>(&e);
  if (!r) return read_side::none;
  return r->reader.kind == "visitor" ? read_side::visitor : read_side::staff;
}

}  // namespace sb::conversation::detail
