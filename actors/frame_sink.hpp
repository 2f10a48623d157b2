#pragma once
// frame_sink: whatever receives a conversation's wire frames, i.e. a socket session.
// deliver() is called on CAF worker threads; implementations hand the frame to their own
// executor (the session strand) and return at once. A frame is shared by all its receivers.
#include <cstdint>
#include <memory>
#include <string>

namespace sb {

class frame_sink {
 public:
  virtual ~frame_sink() = default;
  // `seq` is the conversation's wire seq of the frame, or 0 for frames without one (typing).
  // `backlog` marks a resume's replay of stored frames (shared with the conversation's memory),
  // as opposed to live frames.
  virtual void deliver(const std::string& conversation_id, std::uint64_t seq,
                       std::shared_ptr<const std::string> frame, bool backlog = false) = 0;
  // A frame not tied to a watched conversation (queue, presence, assigned, stats): staff only.
  virtual void push(std::shared_ptr<const std::string> frame) { (void)frame; }
  // Visitor sockets: true; only staff sockets see private notes.
  virtual bool is_visitor() const { return false; }
};

}  // namespace sb
