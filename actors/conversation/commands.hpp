#pragma once
// What a client may ask of a conversation. Built by the edge after validation and
// authentication (or by the workspace router); checked against the conversation's state by
// decide().
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace sb::conversation {

struct party {
  std::string kind;  // visitor | agent | bot | system
  std::string id;
  std::string name;
};

// Who is asking: staff of a workspace, the visitor of a widget, or the workspace's router
// (kind "system").
struct principal {
  party who;
  std::string workspace_id;
  bool is_staff() const { return who.kind == "agent" || who.kind == "admin"; }
  bool is_router() const { return who.kind == "system"; }
  bool is_bot() const { return who.kind == "bot"; }  // an external bot's token
};

// The widget's bot flow (docs/flows.md): the conversation starts `bot` and runs this version
// of the flow until it hands off, whatever edits the flow gets meanwhile.
// A line of what was said, for an AI bot's prompt.
struct transcript_line {
  std::string kind;  // visitor | bot | agent | system
  std::string text;
};
inline constexpr std::size_t kTranscriptLines = 20;
// The flow id that marks an AI bot (real flow ids start with "fl_"; "" is an external bot).
inline constexpr const char* kAiBot = "@ai";

// An empty flow_id is an external bot (docs/webhooks.md): it answers through the API with a bot
// token; a visitor's message it leaves unanswered for handoff_after_ms hands off to a person.
struct bot_start {
  std::string flow_id;
  int version = 0;
  std::string name;  // the flow's name: the bot's name on its messages
  std::int64_t handoff_after_ms{};
};

struct open_conversation {  // sent to a fresh conversation together with its first message
  std::string workspace_id;
  std::string site_key;
  party visitor;
  // Outside the widget's business hours: answered at once by this system message.
  std::string offline_message;
  std::optional<bot_start> bot{};  // a bot answers first (no offline message then)
  std::string channel{};            // "" = the web widget; "instagram", ...
};

struct post_message {
  std::string client_msg_id;
  std::string text;
  std::string attachments = "[]";  // JSON array of attachment objects, checked by the edge
  bool private_note = false;       // staff only: never shown to the visitor
  // A visitor's message to a closed conversation reopens it if it closed less than this long
  // ago (0: never; the caller then opens a new conversation).
  std::int64_t reopen_within_ms = 0;
};

struct accept {};
struct close {};
struct mark_read {
  std::uint64_t seq = 0;
};
struct assign {  // the router gives a waiting conversation to an agent (auto mode)
  party agent;
};
struct transfer {  // staff hand an active (or waiting) conversation to a colleague
  party to;
};
struct requeue {  // the router puts an active conversation back at the head of the queue
  std::int64_t queue_key = 0;
};
struct escalate {};  // the visitor asks for a human
struct set_labels {
  std::vector<std::string> labels;
};

using command = std::variant<post_message, accept, close, mark_read, assign, transfer, requeue,
                             escalate, set_labels>;

}  // namespace sb::conversation
