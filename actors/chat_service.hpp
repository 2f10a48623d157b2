#pragma once
// chat_service: the doorway from the edge into the conversation actors. It owns the CAF actor
// system, routes each command to the one actor owning the conversation (spawning and
// rehydrating it on first touch), and keeps the index of each visitor's open conversation.
//
// Every method is thread-safe and non-blocking; callbacks run on CAF worker threads and must
// hop to their own executor. CAF stays inside actors/*.cpp: this header does not include it.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "actors/conversation/commands.hpp"
#include "actors/errors.hpp"
#include "actors/frame_sink.hpp"

namespace sb::bots {
class flow_directory;
struct webhook_request;
}  // namespace sb::bots
namespace sb::events {
class event_log;
class group_commit_writer;
class blocking_pool;
}  // namespace sb::events

namespace sb {

class directory;

struct ack_info {
  std::string conversation_id;
  std::uint64_t seq = 0;
  std::int64_t ts = 0;
  std::string client_msg_id;
  std::uint64_t position = 0;
};

// Snapshot of a conversation as the actor sees it (JSON object text in `json`).
struct conversation_info {
  std::string id;
  std::string status;
  std::uint64_t last_seq = 0;
  std::string json;
  std::uint64_t position = 0;  // global position of the last event written by the call, if any
};

using ack_callback = std::function<void(const failure&, const ack_info&)>;
using info_callback = std::function<void(const failure&, const conversation_info&)>;
using failure_callback = std::function<void(const failure&)>;

struct chat_options {
  unsigned caf_threads = 2;
  std::chrono::milliseconds actor_idle{std::chrono::minutes(2)};
  std::chrono::milliseconds typing_timeout{std::chrono::seconds(10)};
  // An agent whose sockets all dropped keeps its chats this long, then they are requeued.
  std::chrono::milliseconds agent_grace{std::chrono::seconds(60)};
  // ... and shows as offline after this long without a socket.
  std::chrono::milliseconds offline_after{std::chrono::seconds(30)};
  // A visitor's message reopens its conversation if it closed less than this long ago.
  std::chrono::milliseconds reopen_window{std::chrono::hours(24)};
  // `queue` and `queue_position` frames go out at most this often per workspace.
  std::chrono::milliseconds queue_coalesce{50};
  // Called (on the router's thread) with the time from a slot freeing, or a conversation
  // starting to wait with a slot free, to the durable assignment (auto mode). Metrics.
  std::function<void(std::chrono::nanoseconds)> on_dispatch;
  // The name and email a visitor gave (identify), for the router's frames (every conversation
  // opens as "Visitor"); unset or nullopt: as the conversation knows it. Any thread.
  std::function<std::optional<std::pair<std::string, std::string>>(const std::string& workspace_id,
                                                                   const std::string& visitor_id)>
      visitor_label;
  // Bot flows (docs/flows.md); unset: no conversation starts with a bot. Any thread.
  const bots::flow_directory* flows = nullptr;
  // Makes a bot's webhook call (egress rules are the caller's) and answers once, on any
  // thread, with the JSON response or nullopt when it failed. Unset: every call fails.
  std::function<void(const bots::webhook_request&, std::function<void(std::optional<nlohmann::json>)>)>
      call_webhook;
  // An AI bot's reply to the transcript (docs/ai.md): `partial` with the text so far while it
  // streams, then `done` once (text, handoff asked, error). Any thread. Unset: every AI turn
  // hands off at once.
  std::function<void(const std::string& workspace_id, const std::vector<conversation::transcript_line>& transcript,
                     std::function<void(const std::string&)> partial,
                     std::function<void(std::string text, bool handoff, std::string error)> done)>
      ai_reply;
};

// A conversation as the read model knew it at start-up (waiting, active, or recently closed).
struct restored_conversation {
  std::string id;
  std::string workspace_id;
  std::string site_key;
  std::string status;
  std::optional<conversation::party> agent;
  conversation::party visitor;
  std::int64_t queue_key = 0;
  std::int64_t since_ts = 0;  // when it last started waiting
  std::int64_t updated_ts = 0;
  std::string last_text;
  bool visitor_spoke_last = false;  // its last message is the visitor's (a bot may owe an answer)
};

// An agent's presence as colleagues see it.
struct agent_presence {
  std::string presence = "offline";  // online | away | offline
  int active = 0;                    // chats it has
};

class chat_service {
 public:
  // `dir` gives the router the workspaces' settings and users (names, capacities).
  chat_service(events::event_log& log, events::group_commit_writer& writer,
               events::blocking_pool& readers, const directory& dir, chat_options opts);
  ~chat_service();  // stops every actor
  chat_service(const chat_service&) = delete;
  chat_service& operator=(const chat_service&) = delete;

  // A visitor's message: goes to the visitor's open conversation, or opens a new one.
  // `watch` (the visitor's socket) starts watching the conversation if it is not yet.
  // `offline_message` (outside business hours) answers the message that opens a conversation.
  void visitor_message(const conversation::principal& visitor, const std::string& site_key,
                       conversation::post_message msg, std::weak_ptr<frame_sink> watch,
                       ack_callback done, std::string offline_message = {}, std::string channel = {});
  void post(const conversation::principal& who, const std::string& conversation_id,
            conversation::post_message msg, ack_callback done);
  void accept(const conversation::principal& who, const std::string& conversation_id,
              info_callback done);
  void close(const conversation::principal& who, const std::string& conversation_id,
             info_callback done);
  void mark_read(const conversation::principal& who, const std::string& conversation_id,
                 std::uint64_t seq, info_callback done);
  // The same for callers that only hear of failures (an agent socket): success answers
  // nothing, which spares building the conversation's info and a hop once durable.
  void accept(const conversation::principal& who, const std::string& conversation_id, failure_callback failed);
  void close(const conversation::principal& who, const std::string& conversation_id, failure_callback failed);
  void mark_read(const conversation::principal& who, const std::string& conversation_id, std::uint64_t seq,
                 failure_callback failed);
  void typing(const conversation::principal& who, const std::string& conversation_id, bool on);
  // Hands the conversation to a colleague of the workspace; only an admin may exceed the
  // colleague's capacity.
  void transfer(const conversation::principal& who, bool admin, const std::string& conversation_id,
                const std::string& to_user_id, info_callback done);
  void escalate(const conversation::principal& who, const std::string& conversation_id,
                info_callback done);
  void set_labels(const conversation::principal& who, const std::string& conversation_id,
                  std::vector<std::string> labels, info_callback done);

  // Staff sockets: they get the workspace's `queue`, `presence` and `assigned` frames through
  // frame_sink::push, and their user counts as online while one is open.
  // `joined` gets the queue JSON (as queue_json) before any frame is pushed to the sink.
  void staff_joined(const conversation::principal& who, std::weak_ptr<frame_sink> sink,
                    std::function<void(const std::string& queue_json)> joined);
  // The queue ({"waiting":[{conversation_id, position, since_ts, visitor, last_text}],
  // "total"} as JSON text) after every change that was durable before this call.
  void queue(const std::string& workspace_id, std::function<void(const std::string& queue_json)> done);
  void staff_left(const conversation::principal& who, const frame_sink* sink);
  void presence(const conversation::principal& who, const std::string& status);
  // Routing mode, default capacity or a user's capacity changed: the router looks again.
  void settings_changed(const std::string& workspace_id);
  agent_presence presence_of(const std::string& workspace_id, const std::string& user_id) const;
  void get(const conversation::principal& who, const std::string& conversation_id,
           info_callback done);
  // Sends `sink` every frame with seq > after_seq, in order, then live frames, until
  // unsubscribe() or the sink dies. `done` runs before the first frame is delivered.
  void subscribe(const conversation::principal& who, const std::string& conversation_id,
                 std::uint64_t after_seq, std::weak_ptr<frame_sink> sink, info_callback done);
  void unsubscribe(const std::string& conversation_id, const frame_sink* sink);

  // The visitor's open conversation (not one that closed).
  // Visitors whose latest conversation is open or closed within the reopen window (memory).
  std::size_t tracked_visitors() const;
  std::optional<std::string> open_conversation_of(const std::string& visitor_id) const;
  // Start-up, before any socket: the read model's open and recently closed conversations,
  // then one router per workspace (rebuilt from them); bot conversations of the last day whose
  // visitor spoke last are loaded so that their bots finish what they owed
  // (conversation::detail::resume_bot_work).
  void restore(const std::vector<restored_conversation>& conversations,
               const std::vector<std::string>& workspace_ids);
  std::size_t live_actors() const;

  // Called by actors (internal).
  struct impl;
  impl& internals() { return *impl_; }

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace sb
