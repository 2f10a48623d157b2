#pragma once
// Telegram as a staff channel (docs/channels.md). A workspace links a Telegram bot (its token
// from @BotFather) and the staff chat (a group the bot is in): visitor messages of
// conversations handled by people are relayed there, and a staff member's reply to a relayed
// message goes back to the visitor as an agent message. Updates come by long polling
// (getUpdates, the default) or, in webhook mode, through /hooks/telegram/{workspace id}.
//
// Stream telegram/<workspace id>, event telegram_configured; the bot token and the webhook
// secret are sealed by the vault and never shown again. Which relayed Telegram message stands
// for which conversation is kept in the state column family (tgmap/...). Thread-safe.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/errors.hpp"
#include "events/status.hpp"
#include "integrations/settings_streams.hpp"

namespace sb {
class vault;
}
namespace sb::events {
class event_log;
class group_commit_writer;
}  // namespace sb::events

namespace sb::integrations {

struct telegram_link {
  std::string workspace_id, bot_token, staff_chat_id, mode = "polling", api_base_url, webhook_url, webhook_secret;
  std::map<std::string, std::string> staff_users;  // Telegram user id -> Switchboard user id
  std::uint64_t version = 0;                      // changes with every configure
  // {api_base_url}/bot{token}/{method}
  std::string method_url(const std::string& method) const;
};

// A staff member's message in the staff chat (from an Update), when it replies to a message.
struct telegram_staff_message {
  std::int64_t update_id = 0;
  std::string chat_id, from_id, from_name, text;
  std::int64_t message_id = 0, reply_to = 0;  // reply_to 0: not a reply
};
// The message of an Update, if it is a text message in a chat (others are ignored).
std::optional<telegram_staff_message> telegram_message(const nlohmann::json& update);
// What the staff chat shows for a visitor's message: who, which conversation, the text;
// cut to Telegram's 4096 characters on a UTF-8 boundary.
std::string telegram_relay_text(const std::string& visitor_name, const std::string& conversation_id,
                                const std::string& text, bool waiting_notice);

struct telegram_result {
  failure error{errc::ok, {}};
  nlohmann::json object;
  std::uint64_t position = 0;
};

class telegram_channels {
 public:
  telegram_channels(events::event_log& log, events::group_commit_writer& writer, const vault& secrets);
  events::status load();

  nlohmann::json view(const std::string& workspace_id) const;
  // body: {bot_token?, staff_chat_id, mode?: polling|webhook, webhook_url? (webhook mode: the
  // public URL of /hooks/telegram/{ws} Telegram is told to call), api_base_url?,
  // staff_users?: {telegram user id: user id}}. The token is required the first time.
  // `user_ok` says whether a user id belongs to the workspace.
  void configure(const std::string& workspace_id, const nlohmann::json& body,
                 const std::function<bool(const std::string&)>& user_ok,
                 std::function<void(const telegram_result&)> done);
  std::optional<telegram_link> link(const std::string& workspace_id) const;
  std::vector<telegram_link> links() const;
  bool linked(const std::string& workspace_id) const;  // cheap: no copy
  bool any() const;
  std::uint64_t version() const;  // grows with every change of any link

  // The conversation a relayed message (its Telegram message id in the staff chat) stands for.
  void remember(const std::string& workspace_id, std::int64_t message_id, const std::string& conversation_id);
  std::optional<std::string> conversation_for(const std::string& workspace_id, std::int64_t message_id) const;
  // The last update handled by polling (0 for none), kept across restarts.
  std::int64_t update_offset(const std::string& workspace_id) const;
  void save_update_offset(const std::string& workspace_id, std::int64_t update_id);

 private:
  void apply(telegram_link& l, const nlohmann::json& d);

  events::event_log& log_;
  settings_streams streams_;
  const vault& vault_;
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, telegram_link> by_workspace_;
  std::uint64_t version_ = 0;
};

}  // namespace sb::integrations
