#pragma once
// A bot's turn in a `bot` conversation: the pure bridge between the flow interpreter
// (actors/bots) and the conversation's events. Given where the run stands and what the visitor
// wrote (or a webhook answered), it returns the events that follow: the bot's messages
// (sender kind bot, quick replies as buttons), a handoff (status waiting, via "handoff") or a
// close (via "bot"), and the new run (bot_state). No I/O: webhook calls come back as requests
// for the actor to make. Any thread.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/bots/interpreter.hpp"
#include "actors/conversation/events.hpp"

namespace sb::conversation {

struct bot_run_ref {  // the conversation's bot (state.bot_* or the open's bot_start)
  std::string flow_id;
  int version = 0;
  std::string name;
  std::string run;  // bots::run_state JSON text ("" or "{}": not started)
};

struct bot_turn_result {
  std::vector<event> events;
  std::vector<bots::webhook_request> calls;  // at most one: the run waits for its answer
  std::vector<std::string> errors;           // for the log (e.g. the step cap)
  int steps = 0;
};

// The visitor wrote `text` (its message is already among the events before `next_seq`).
bot_turn_result bot_on_message(const bots::flow& f, const bot_run_ref& run, const bots::context& ctx,
                               std::string_view text, std::uint64_t next_seq, std::int64_t now_ms);
// A webhook the run asked for answered (`response`) or failed (nullptr).
bot_turn_result bot_on_webhook(const bots::flow& f, const bot_run_ref& run, const bots::context& ctx,
                               const nlohmann::json* response, std::uint64_t next_seq, std::int64_t now_ms);
// The flow of a conversation can no longer be found (it never can once saved; a corrupt log):
// hand the visitor to a person.
bot_turn_result bot_lost(std::uint64_t next_seq, std::int64_t now_ms);

}  // namespace sb::conversation
