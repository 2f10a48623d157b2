#pragma once
// channel_replies: which log events the channels' APIs must hear of (docs/channels.md), as
// the channel outbox's route function:
// - a message from staff, a bot or the system in a conversation with channel "instagram" is
//   sent to the Instagram user through the Graph API send endpoint (quick replies included);
// - in a workspace that linked Telegram, a visitor's message in a conversation people handle
//   (waiting or active) is relayed to the staff chat; messages written while a bot had the
//   conversation (or before it was queued) are relayed once it starts waiting, with a
//   "Waiting" notice. Each relayed Telegram message is remembered (telegram_channels), so a
//   staff reply to it finds its conversation.
// Private notes never leave. Runs on the channel outbox's thread only (not thread-safe).
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "integrations/channels/channel_outbox.hpp"

namespace sb::integrations {

class instagram_channels;
class telegram_channels;

class channel_router {
 public:
  // summary: the history read model's summary of a conversation (workspace_id, channel,
  // status, visitor), for conversations opened before the outbox's cursor.
  channel_router(const instagram_channels& instagram, telegram_channels& telegram,
                 std::function<std::optional<nlohmann::json>(const std::string&)> summary);
  std::vector<channel_request> route(const events::envelope& e);
  // False while no workspace has linked a channel: the outbox then skips the log unread.
  bool wanted() const;

 private:
  struct conv {
    std::string workspace_id, channel, status, visitor_id, visitor_name;
    std::string pending;  // visitor text not yet relayed (bot phase, before the queue)
    bool stale = false;   // events went by unread (nothing linked): status from the read model
  };
  conv* find(const std::string& conversation_id);
  void refresh(const std::string& conversation_id, conv& c);
  std::optional<channel_request> instagram_reply(const std::string& cid, const conv& c, const nlohmann::json& msg);
  std::optional<channel_request> telegram_relay(const std::string& cid, const conv& c, const std::string& text, bool notice);

  const instagram_channels& instagram_;
  telegram_channels& telegram_;
  std::function<std::optional<nlohmann::json>(const std::string&)> summary_;
  std::unordered_map<std::string, conv> convs_;
};

}  // namespace sb::integrations
