#pragma once
// telegram_bridge: what comes back from the staff Telegram chats. In polling mode (the
// default) it long-polls getUpdates for every linked workspace (the offset kept across
// restarts, deleteWebhook first since Telegram refuses getUpdates while a webhook is set); in
// webhook mode it registers the link's webhook_url with setWebhook (and its secret token) and
// the updates arrive through /hooks/telegram/{workspace id}, which calls handle_update().
//
// A text message in the staff chat that replies to a relayed visitor message becomes an agent
// message of that conversation (the Telegram user mapped to a Switchboard user speaks as
// them, anyone else as "<first name> (Telegram)"); "/close" as the reply closes it. Telegram
// sends an update again when unsure: the message id makes the client_msg_id, so it is stored
// once. Refusals (closed conversation, unknown message) are answered in the chat.
//
// Threads: one of its own ("sb-telegram") for polling; handle_update() may be called from
// any thread and does not block.
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace sb::integrations {

class egress_client;
class telegram_channels;

struct telegram_staff_reply {
  std::string workspace_id, conversation_id, client_msg_id, text;
  std::string user_id;            // the mapped Switchboard user, or ""
  std::string telegram_user_id;   // who wrote it in Telegram
  std::string telegram_name;
  bool close = false;             // "/close"
};

class telegram_bridge {
 public:
  struct options {
    std::chrono::seconds poll_timeout{25};  // getUpdates' long-poll timeout
    std::chrono::milliseconds retry_max{60000};
  };
  // `act` posts (or closes) and calls `done` with "" or the refusal's message, once.
  using act_fn = std::function<void(const telegram_staff_reply&, std::function<void(const std::string& error)> done)>;

  telegram_bridge(telegram_channels& links, egress_client& egress, act_fn act, options opts);
  ~telegram_bridge();  // stop()
  telegram_bridge(const telegram_bridge&) = delete;
  telegram_bridge& operator=(const telegram_bridge&) = delete;

  void start();
  void stop();
  // One Update of the workspace's bot; false when it is not a message this bridge acts on.
  bool handle_update(const std::string& workspace_id, const nlohmann::json& update);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sb::integrations
