#pragma once
// The pure half of the conversation: given its state and a command, which events happen.
// No I/O, no clock (the caller passes `now_ms`), no randomness.
#include <cstdint>
#include <optional>
#include <vector>

#include "actors/conversation/commands.hpp"
#include "actors/conversation/events.hpp"
#include "actors/conversation/state.hpp"
#include "actors/errors.hpp"

namespace sb::conversation {

inline constexpr std::size_t kMaxTextChars = 4000;
inline constexpr std::size_t kMaxClientMsgIdBytes = 128;

struct outcome {
  failure error{errc::ok, {}};
  std::vector<event> events;
  std::optional<posted_ref> duplicate_of;  // a retried client_msg_id: answer as before
  bool ok() const { return error.code == errc::ok; }
};

// A visitor's first message opens the conversation: opened, message_posted(seq 1) and
// status_changed(seq 2, waiting); with a bot, status_changed(seq 2, bot) and bot_state.
outcome decide_open(const state& s, const std::string& conversation_id,
                    const open_conversation& open, const post_message& first, std::int64_t now_ms);
outcome decide(const state& s, const principal& who, const command& cmd, std::int64_t now_ms);

// Checks a message's client_msg_id and text against the limits of PROTOCOL.md.
std::optional<failure> check_message(const post_message& m);

// Number of Unicode code points of valid UTF-8 `text`, or nullopt if it is not valid UTF-8.
std::optional<std::size_t> utf8_length(std::string_view text);

}  // namespace sb::conversation
