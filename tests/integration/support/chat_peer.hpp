#pragma once

// chat_peer: a visitor or agent socket as a test sees it. Wraps a connected ws_client, keeps
// every frame it received (in arrival order) and lets a test wait for the next frame matching a
// predicate without losing the frames that arrived before it. Not thread-safe.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "tests/integration/support/ws_client.hpp"

namespace switchboard::integration {

using json = nlohmann::json;
using frame_predicate = std::function<bool(const json&)>;

inline constexpr std::chrono::milliseconds default_wait = std::chrono::seconds(5);

class chat_peer {
 public:
  chat_peer(std::string name, std::unique_ptr<ws_client> ws);

  const std::string& name() const { return name_; }
  ws_client& ws() { return *ws_; }
  const json& welcome() const { return welcome_; }
  void set_welcome(json welcome) { welcome_ = std::move(welcome); }

  bool send(const json& frame) { return ws_->send_json(frame); }

  // The first not yet consumed frame matching `pred` (waiting up to `timeout` for it), which is
  // consumed; frames skipped on the way stay available to later next() calls.
  std::optional<json> next(const frame_predicate& pred,
                           std::chrono::milliseconds timeout = default_wait);
  std::optional<json> next_of_type(const std::string& type,
                                   std::chrono::milliseconds timeout = default_wait);
  // True once any frame received so far (consumed or not) matches `pred`; waits up to `timeout`.
  bool saw(const frame_predicate& pred, std::chrono::milliseconds timeout = default_wait);
  // Reads until no frame arrives for `quiet` (at most `limit` in total).
  void settle(std::chrono::milliseconds quiet = std::chrono::milliseconds(300),
              std::chrono::milliseconds limit = std::chrono::seconds(5));

  // Every frame received so far, in arrival order.
  const std::vector<json>& received() const { return received_; }
  // Index in received() of the first frame matching `pred`, or -1.
  int arrival_index(const frame_predicate& pred) const;
  // Conversation events (message and status frames) received for `conversation_id`, in
  // arrival order, and their seqs.
  std::vector<json> events(const std::string& conversation_id) const;
  std::vector<int64_t> event_seqs(const std::string& conversation_id) const;
  int64_t last_event_seq(const std::string& conversation_id) const;  // 0 if none
  // The frames received so far, one per line, for assertion messages.
  std::string describe(size_t last_n = 30) const;

 private:
  bool read_one(std::chrono::steady_clock::time_point deadline);

  std::string name_;
  std::unique_ptr<ws_client> ws_;
  json welcome_;
  std::vector<json> received_;
  std::vector<size_t> unconsumed_;  // indexes into received_
};

// Frame predicates and accessors.
frame_predicate is_type(std::string type);
// An ack or an error answering `client_msg_id` (error frames echo it as ref).
frame_predicate is_reply_to(std::string client_msg_id);
// A message/status frame of `conversation_id` carrying `seq`.
frame_predicate is_event(std::string conversation_id, int64_t seq);
// A message frame of `conversation_id` with `client_msg_id`.
frame_predicate is_message(std::string conversation_id, std::string client_msg_id);
bool is_conversation_event(const json& frame);
int64_t seq_of(const json& frame);  // -1 when absent or not an integer
std::vector<int64_t> seqs_of(const std::vector<json>& frames);
// How many message frames in `frames` carry `client_msg_id`.
size_t count_messages(const std::vector<json>& frames, const std::string& client_msg_id);
// An id field as a string (ids are opaque strings; other JSON is dumped).
std::string id_of(const json& value);
std::string str_of(const json& frame, const char* field);

}  // namespace switchboard::integration
