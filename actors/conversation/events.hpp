#pragma once
// What happened to a conversation, past tense. Stored in the stream conversation/<id>.
// Every event that clients see with a `seq` carries that seq (the conversation's wire seq,
// gap-free over message and status events); read markers and labels carry none.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "actors/conversation/commands.hpp"

namespace sb::conversation {

struct opened {  // "conversation_opened" v1
  std::string conversation_id;
  std::string workspace_id;
  std::string site_key;
  party visitor;
  std::int64_t ts = 0;
  std::string channel{};  // "" = the web widget; "instagram", ...
};

struct message_posted {  // "message_posted" v1
  std::uint64_t seq = 0;
  std::int64_t ts = 0;
  std::string client_msg_id;
  party sender;
  std::string text;
  std::string attachments = "[]";  // JSON array text
  bool private_note = false;       // "private": true in data and frame
  std::string buttons{};           // a bot's quick replies: JSON array text, "" for none
};

struct status_changed {  // "status_changed" v1
  std::uint64_t seq = 0;
  std::int64_t ts = 0;
  std::string status;  // waiting | active | closed
  std::optional<party> agent;
  // How it came about: open | accept | assign | transfer | requeue | reopen | escalate | close
  std::string via;
  // Place in the workspace's queue (waiting only): lower goes first. Absent for a new
  // arrival, whose key is the position of this event in the log; a requeue sets one below
  // the queue's head. Not part of the wire frame.
  std::optional<std::int64_t> queue_key;
};

struct read_marked {  // "read_marked" v1
  party reader;
  std::uint64_t seq = 0;
  std::int64_t ts = 0;
};

struct labels_set {  // "labels_set" v1
  std::vector<std::string> labels;
  std::int64_t ts = 0;
};

// Which flow runs a `bot` conversation and where its run stands (bots::run_state as JSON).
// Written at the open and after every bot turn that changed the run; no seq.
struct bot_state {  // "bot_state" v1
  std::string flow_id;
  int version = 0;
  std::string name;
  std::string run = "{}";
  std::int64_t ts = 0;
  std::int64_t handoff_after_ms{};  // external bots (flow_id ""): see bot_start
};

using event = std::variant<opened, message_posted, status_changed, read_marked, labels_set, bot_state>;

std::string type_name(const event& e);
std::uint64_t wire_seq(const event& e);  // 0 for events without one
// JSON of the event's data; for message events it is the body of their wire frame.
std::string encode_data(const std::string& conversation_id, const event& e);
std::optional<event> decode_event(const std::string& type, std::uint16_t version,
                                  const std::string& data);
// The wire frame ({"type":"message"|"status"|"read", ...}) of an event, or "" for none.
std::string render_frame(const std::string& conversation_id, const event& e);
// The same frame, built from the event's already encoded data (no JSON work on the hot path).
std::string render_frame(const std::string& conversation_id, const event& e,
                         const std::string& encoded_data);
// True for frames only staff may see (private notes).
inline bool staff_only(const event& e) {
  auto* m = std::get_if<message_posted>(&e);
  return m && m->private_note;
}

}  // namespace sb::conversation
