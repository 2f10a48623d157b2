#pragma once
// The fold of a conversation's events. Plain data, no I/O.
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/conversation/events.hpp"

namespace sb::conversation {

struct posted_ref {
  std::uint64_t seq = 0;
  std::int64_t ts = 0;
};

struct state {
  std::string id;
  std::string workspace_id;
  std::string site_key;
  party visitor;
  std::string status;  // "" (does not exist) | waiting | active | closed
  std::optional<party> agent;
  std::uint64_t last_seq = 0;     // wire seq
  std::uint64_t stream_seq = 0;   // events in the stream
  std::int64_t created_ts = 0;
  std::int64_t updated_ts = 0;
  std::uint64_t visitor_read_seq = 0;
  std::uint64_t staff_read_seq = 0;
  std::int64_t closed_ts = 0;  // when it last closed (0 while open)
  std::string closed_from;     // the status it closed from ("bot": no person ever had it)
  std::vector<std::string> labels;
  // The bot flow of a conversation that started `bot` (bot_state), and its run.
  std::string bot_flow_id;
  int bot_version = 0;
  std::string bot_name;
  std::string bot_run;  // bots::run_state as JSON text
  std::int64_t bot_handoff_after_ms = 0;  // an external bot's (bot_flow_id "")
  std::uint64_t last_bot_seq = 0;         // the last message a bot posted
  std::uint64_t last_visitor_seq = 0;     // the visitor's last message
  std::int64_t last_visitor_ts = 0;
  // The last kTranscriptLines messages (no private notes) while no person has the
  // conversation (waiting, bot); cleared when one does, or when it closes after a handoff.
  std::vector<transcript_line> transcript;
  // (sender id + '\n' + client_msg_id) -> where it was stored, for idempotent retries
  std::unordered_map<std::string, posted_ref> posted;

  bool exists() const { return !status.empty(); }
};

inline std::string posted_key(const std::string& sender_id, const std::string& client_msg_id) {
  return sender_id + '\n' + client_msg_id;
}

}  // namespace sb::conversation
