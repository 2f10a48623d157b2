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

#include "actors/conversation/commands.hpp"
#include "actors/errors.hpp"
#include "actors/frame_sink.hpp"

namespace sb::events {
class event_log;
class group_commit_writer;
class blocking_pool;
}  // namespace sb::events

namespace sb {

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

struct chat_options {
  unsigned caf_threads = 2;
  std::chrono::milliseconds actor_idle{std::chrono::minutes(2)};
  std::chrono::milliseconds typing_timeout{std::chrono::seconds(10)};
};

class chat_service {
 public:
  chat_service(events::event_log& log, events::group_commit_writer& writer,
               events::blocking_pool& readers, chat_options opts);
  ~chat_service();  // stops every actor
  chat_service(const chat_service&) = delete;
  chat_service& operator=(const chat_service&) = delete;

  // A visitor's message: goes to the visitor's open conversation, or opens a new one.
  // `watch` (the visitor's socket) starts watching the conversation if it is not yet.
  void visitor_message(const conversation::principal& visitor, const std::string& site_key,
                       conversation::post_message msg, std::weak_ptr<frame_sink> watch,
                       ack_callback done);
  void post(const conversation::principal& who, const std::string& conversation_id,
            conversation::post_message msg, ack_callback done);
  void accept(const conversation::principal& who, const std::string& conversation_id,
              info_callback done);
  void close(const conversation::principal& who, const std::string& conversation_id,
             info_callback done);
  void mark_read(const conversation::principal& who, const std::string& conversation_id,
                 std::uint64_t seq, info_callback done);
  void typing(const conversation::principal& who, const std::string& conversation_id, bool on);
  void get(const conversation::principal& who, const std::string& conversation_id,
           info_callback done);
  // Sends `sink` every frame with seq > after_seq, in order, then live frames, until
  // unsubscribe() or the sink dies. `done` runs before the first frame is delivered.
  void subscribe(const conversation::principal& who, const std::string& conversation_id,
                 std::uint64_t after_seq, std::weak_ptr<frame_sink> sink, info_callback done);
  void unsubscribe(const std::string& conversation_id, const frame_sink* sink);

  std::optional<std::string> open_conversation_of(const std::string& visitor_id) const;
  // Startup: the history projection tells which conversations are open for which visitor.
  void restore_open_conversation(const std::string& visitor_id, const std::string& conversation_id);
  std::size_t live_actors() const;

  // Called by actors (internal).
  struct impl;
  impl& internals() { return *impl_; }

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace sb
