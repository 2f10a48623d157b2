#pragma once
// The conversation actor: decide -> append (group commit) -> evolve -> reply/publish.
// Internal to actors/: only actor.cpp and chat_service.cpp include this (it pulls in CAF).
//
// Messages it accepts (all local, never serialized):
//   post_msg, control_msg, get_msg, subscribe_msg, unsubscribe_msg, typing_msg,
//   queue_position_msg (from the workspace router),
// plus its own hydrated_msg, committed_msg, typing_expired, idle_tick, webhook_answer,
// external_bot_due.
#include <caf/all.hpp>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "actors/chat_service.hpp"
#include "actors/conversation/commands.hpp"
#include "events/envelope.hpp"
#include "events/group_commit_writer.hpp"

namespace sb::conversation {

struct post_msg {
  principal who;
  post_message msg;
  ack_callback done;
  std::optional<open_conversation> open;  // set for the visitor message that opens it
  std::weak_ptr<frame_sink> watch;         // the author's socket starts watching, if not yet
};
// A frame that staff sockets get once a command's events are durable, straight from the
// commit (the router's `assigned` frame: the agent hears of a dispatch without one more hop
// through the router). Nothing is sent if the command fails or changes nothing.
struct durable_notice {
  std::shared_ptr<const std::string> frame;
  std::vector<std::weak_ptr<frame_sink>> sinks;
};
struct control_msg {
  principal who;
  command cmd;
  info_callback done;
  // Call `done` only on a failure: on success nothing is answered, so no info is built and
  // the commit needs no extra hop through the actor (the router's assignments, agents' socket
  // actions that only report errors).
  bool errors_only = false;
  std::shared_ptr<const durable_notice> notice{};
};
struct get_msg {
  principal who;
  info_callback done;
};
struct subscribe_msg {
  principal who;
  std::uint64_t after_seq = 0;
  std::weak_ptr<frame_sink> sink;
  info_callback done;
};
struct unsubscribe_msg {
  const frame_sink* sink = nullptr;
};
struct typing_msg {
  principal who;
  bool on = false;
};
struct wake_msg {};  // loads the actor (see resume_bot_work); nothing else
struct hydrated_msg {
  events::status st;
  std::vector<events::envelope> evs;
};
struct committed_msg {
  events::append_result result;
  bool needs_actor = false;  // the write is in the actor's pending queue (control answer, close)
};
struct typing_expired {
  std::string sender_id;
  std::uint64_t generation = 0;
};
struct idle_tick {};
struct text_flush {};  // the last visitor text of a burst goes to the router (see write())
struct queue_position_msg {  // from the router: the visitor's place in the queue
  std::size_t position = 0;
};
struct ai_partial {  // an AI bot's reply so far, as it streams
  std::string text;
};
struct ai_done {  // the AI bot's reply ended: its text, a handoff, or an error
  std::string text;
  bool handoff = false;
  std::string error;
};
struct external_bot_due {  // an external bot's time to answer visitor message `seq` is up
  std::uint64_t seq = 0;
};
struct webhook_answer {  // a bot's webhook call came back (response null: it failed)
  std::shared_ptr<const nlohmann::json> response;
};

// What every conversation actor shares: storage, options and the service that routes to it.
struct actor_env {
  events::event_log* log = nullptr;
  events::group_commit_writer* writer = nullptr;
  events::blocking_pool* readers = nullptr;
  chat_service::impl* service = nullptr;
  chat_options opts;
};

// fresh = the id was just minted, so there is no stream to read.
caf::actor spawn_conversation(caf::actor_system& sys, const actor_env& env, std::string id,
                              bool fresh);

}  // namespace sb::conversation

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sb::conversation::post_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sb::conversation::control_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sb::conversation::get_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sb::conversation::subscribe_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sb::conversation::unsubscribe_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sb::conversation::typing_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sb::conversation::hydrated_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sb::conversation::wake_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sb::conversation::committed_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sb::conversation::typing_expired)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sb::conversation::idle_tick)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sb::conversation::queue_position_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sb::conversation::text_flush)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sb::conversation::webhook_answer)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sb::conversation::external_bot_due)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sb::conversation::ai_partial)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sb::conversation::ai_done)
