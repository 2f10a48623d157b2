#pragma once
// Instagram (Meta) as a channel (docs/channels.md). A workspace links its Instagram
// professional account: its id, the Meta app secret (checks X-Hub-Signature-256 on incoming
// webhooks), a page access token (for replies through the Graph API), the verify token Meta
// echoes when the webhook is subscribed, and the widget whose bot and queue settings apply.
// Stream instagram/<workspace id>, event instagram_configured; secrets sealed by the vault and
// never shown again. Reads never touch disk; thread-safe.
#include <cstdint>
#include <functional>
#include <mutex>
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

struct instagram_link {
  std::string workspace_id, account_id, site_key, verify_token, app_secret, access_token, graph_base_url;
};

// A visitor's message in a Meta messaging webhook body (echoes of our own replies, reads,
// reactions and attachments without text are left out).
struct instagram_message {
  std::string sender_id;  // the Instagram-scoped user id
  std::string mid;        // Meta's message id: the same on Meta's retries
  std::string text;
};
std::vector<instagram_message> instagram_messages(const nlohmann::json& body);
// An Instagram user's visitor id in a workspace ("vi_ig<sender id>_<workspace hex>": the same
// person writing to two workspaces' accounts is two visitors), and back to the sender id.
std::string instagram_visitor_id(const std::string& workspace_id, const std::string& sender_id);
std::optional<std::string> instagram_sender_of(const std::string& visitor_id);

struct instagram_result {
  failure error{errc::ok, {}};
  nlohmann::json object;
  std::uint64_t position = 0;
};

class instagram_channels {
 public:
  instagram_channels(events::event_log& log, events::group_commit_writer& writer, const vault& secrets);
  events::status load();

  nlohmann::json view(const std::string& workspace_id) const;
  // body: {account_id, site_key, verify_token, app_secret?, access_token?, graph_base_url?}
  // (the secrets are required the first time; absent later: kept). `site_key_ok` says whether
  // a site key names a widget of the workspace.
  void configure(const std::string& workspace_id, const nlohmann::json& body,
                 const std::function<bool(const std::string&)>& site_key_ok,
                 std::function<void(const instagram_result&)> done);
  std::optional<instagram_link> link(const std::string& workspace_id) const;
  bool linked(const std::string& workspace_id) const;  // cheap: no copy
  bool any() const;

 private:
  struct entry {
    instagram_link l;
    std::int64_t updated_ts = 0;
  };
  void apply(entry& e, const nlohmann::json& d);

  settings_streams streams_;
  const vault& vault_;
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, entry> by_workspace_;
};

}  // namespace sb::integrations
