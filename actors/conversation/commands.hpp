#pragma once
// What a client may ask of a conversation. Built by the edge after validation and
// authentication; checked against the conversation's state by decide().
#include <cstdint>
#include <string>
#include <variant>

namespace sb::conversation {

struct party {
  std::string kind;  // visitor | agent | bot | system
  std::string id;
  std::string name;
};

// Who is asking: staff of a workspace, or the visitor of a widget.
struct principal {
  party who;
  std::string workspace_id;
  bool is_staff() const { return who.kind == "agent" || who.kind == "admin"; }
};

struct open_conversation {  // sent to a fresh conversation together with its first message
  std::string workspace_id;
  std::string site_key;
  party visitor;
};

struct post_message {
  std::string client_msg_id;
  std::string text;
};

struct accept {};
struct close {};
struct mark_read {
  std::uint64_t seq = 0;
};

using command = std::variant<post_message, accept, close, mark_read>;

}  // namespace sb::conversation
