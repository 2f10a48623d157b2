#pragma once
// The pure fold of the history read model: how one log event changes a conversation summary
// and which message frames it stores. No I/O; history_projection runs it over the log.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "events/envelope.hpp"

namespace sb::projections {

// A summary remembers the seqs of at most this many unread visitor messages.
inline constexpr std::size_t kUnreadSeqsKept = 100;

struct history_change {
  std::string conversation_id;
  bool summary_changed = false;
  // (seq, frame JSON) of a message to store
  std::optional<std::pair<std::uint64_t, std::string>> message;
};

// `summary` is the conversation's summary before the event ({} when none); it is updated in
// place. Events of other streams are ignored (nullopt).
std::optional<history_change> fold_history(nlohmann::json& summary, const events::envelope& e);
// The conversation id of a conversation stream name, or "".
std::string conversation_of(const std::string& stream);
// The public view of a summary (what GET /conversations lists).
nlohmann::json summary_view(const nlohmann::json& summary);

}  // namespace sb::projections
