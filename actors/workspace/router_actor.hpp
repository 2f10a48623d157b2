#pragma once
// The workspace router actor: one per workspace, wrapping the pure router (router.hpp). It
// learns every status change of the workspace's conversations from their actors once the
// change is durable, hands waiting conversations to agents (auto mode) through the
// conversations' own actors, gives an absent agent's chats back after a grace period, and
// pushes `queue`, `queue_position`, `presence` and `assigned` frames.
// Internal to actors/ (it pulls in CAF): only chat_service.cpp and the actors include it.
//
// Messages it accepts (local only): conv_update, conv_text, staff_joined, staff_left, queue_req,
// presence_set, transfer_req, settings_changed, plus its own assign_done, grace_tick,
// offline_tick, flush_tick, positions_tick.
#include <caf/all.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/chat_service.hpp"
#include "actors/conversation/commands.hpp"

namespace sb::workspace {

struct conv_update {  // a durable status change of a conversation of this workspace
  std::string conversation_id;
  std::string status;  // waiting | active | closed
  std::optional<conversation::party> agent;
  std::string via;
  std::int64_t queue_key = 0;  // waiting only
  std::int64_t ts = 0;
  conversation::party visitor;
  std::string site_key;
  std::string last_text;  // the visitor's latest message, if known
};
struct conv_text {  // a visitor wrote in a waiting conversation
  std::string conversation_id;
  std::string text;
};
struct staff_joined {
  std::string user_id;
  std::string name;
  std::weak_ptr<frame_sink> sink;
  const frame_sink* key = nullptr;
  std::function<void(const std::string& queue_json)> joined;  // runs before any pushed frame
};
struct queue_req {  // the queue as of every change sent to the router before this
  std::function<void(const std::string& queue_json)> done;
};
struct staff_left {
  std::string user_id;
  const frame_sink* key = nullptr;
};
struct presence_set {
  std::string user_id;
  std::string status;  // online | away
};
struct transfer_req {
  conversation::principal who;
  bool admin = false;
  std::string conversation_id;
  std::string to_user_id;
  info_callback done;
};
struct settings_changed {};
struct assign_done {
  std::string conversation_id;
  failure error;
};
struct grace_tick {
  std::string user_id;
  std::uint64_t generation = 0;
};
struct offline_tick {
  std::string user_id;
  std::uint64_t generation = 0;
};
struct flush_tick {};
struct positions_tick {};  // the next step of the pass over the deeper queue places
// A conversation actor that came back (hydrated) while waiting has no place to tell its
// visitor: the router tells it again.
struct position_wanted {
  std::string conversation_id;
};

// What the router starts from: the conversations of its workspace that are waiting or active.
struct router_seed {
  std::vector<conv_update> conversations;
};

caf::actor spawn_router(caf::actor_system& sys, chat_service::impl& service,
                        std::string workspace_id, router_seed seed);

}  // namespace sb::workspace

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sb::workspace::conv_update)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sb::workspace::conv_text)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sb::workspace::staff_joined)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sb::workspace::staff_left)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sb::workspace::queue_req)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sb::workspace::presence_set)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sb::workspace::transfer_req)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sb::workspace::settings_changed)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sb::workspace::assign_done)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sb::workspace::grace_tick)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sb::workspace::offline_tick)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sb::workspace::flush_tick)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sb::workspace::positions_tick)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sb::workspace::position_wanted)
