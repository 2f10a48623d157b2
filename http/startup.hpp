#pragma once
// What main() reads before it serves: the conversations the chat service starts from, and
// the random keys kept in the log's meta column family.
#include <optional>
#include <string>
#include <vector>

#include "actors/chat_service.hpp"

#include "integrations/channels/telegram_bridge.hpp"

namespace sb {
class directory;
}
namespace sb::events {
class event_log;
}
namespace sb::projections {
class history_projection;
}

namespace sb::http {

// Every waiting, active and bot conversation (the routers' queues and seats) and the recently
// closed ones (a visitor's next message may reopen them), from the history read model, which
// has just caught up with the log.
std::vector<sb::restored_conversation> restorable(const sb::projections::history_projection& history,
                                                  const std::vector<std::string>& workspaces);
// The key `name`, made by `generate` and stored on the first start; nullopt (after printing
// why) when it cannot be read or stored.
std::optional<std::string> meta_key(sb::events::event_log& log, const std::string& name, std::string (*generate)());

// What a staff reply in a Telegram staff chat does: an agent message of the conversation (as
// the mapped user when there is one, else as "<name> (Telegram)"), or its close.
sb::integrations::telegram_bridge::act_fn telegram_actions(sb::chat_service& chat, const sb::directory& dir);

}  // namespace sb::http
