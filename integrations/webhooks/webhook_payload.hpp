#pragma once
// What an outgoing webhook carries for a log event (pure; docs/webhooks.md):
//   {"id": "evt_<position>", "type": "message.created", "created_ts": ms, "workspace_id": ...,
//    "data": {...}}
// data is the event's WebSocket frame (message, status) without its "type", or, for
// conversation.created and visitor.identified, the fields listed in docs/webhooks.md. The id
// is the event's log position: the same on every retry and redelivery, so receivers dedupe.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "events/envelope.hpp"

namespace sb::integrations {

struct outgoing_event {
  std::string type;             // one of kWebhookEventTypes
  std::string conversation_id;  // "" for visitor events
  std::string workspace_id;     // known for conversation.created and visitor events, else ""
  std::string lane_key;         // what must stay in order: the conversation, or the visitor
  nlohmann::json data;
};

// The webhook type of a log event type ("message_posted" -> "message.created"), "" for event
// types no webhook carries.
const char* outgoing_type(std::string_view log_type);

// nullopt for events no webhook carries. Cheap for those: the type is checked first.
std::optional<outgoing_event> to_outgoing(const events::envelope& e);
std::string payload_text(const outgoing_event& ev, std::uint64_t position, std::int64_t ts,
                         const std::string& workspace_id);

}  // namespace sb::integrations
