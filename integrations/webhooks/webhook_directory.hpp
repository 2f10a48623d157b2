#pragma once
// webhook_directory: each workspace's outgoing webhook endpoints (the webhook aggregate).
// Stream webhook/<id>: webhook_saved (url, events, description, enabled, and on creation or
// rotation the signing secret, sealed by the vault) and webhook_deleted. An endpoint receives
// the events committed after it was created (its `since_position`).
//
// Writes are validated, appended through the group-commit writer and applied once durable.
// Reads never touch disk. Thread-safe (shared lock for reads, exclusive for writes).
// `version()` changes after every applied write, so the outbox knows to look again.
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/errors.hpp"
#include "events/status.hpp"

namespace sb {
class vault;
}
namespace sb::events {
class event_log;
class group_commit_writer;
}  // namespace sb::events

namespace sb::integrations {

// The event types an endpoint may subscribe to (docs/webhooks.md).
inline constexpr const char* kWebhookEventTypes[] = {"conversation.created", "message.created",
                                                     "conversation.status_changed", "visitor.identified"};

struct webhook_endpoint {
  std::string id, workspace_id, url, secret;  // secret in the clear (outbox only)
  std::vector<std::string> events;
  bool enabled = true;
  std::uint64_t since_position = 0;
  bool wants(const std::string& type) const;
};

struct webhook_result {
  failure error{errc::ok, {}};
  nlohmann::json object;  // the endpoint as the API shows it (+ "secret" when new or rotated)
  std::uint64_t position = 0;
};
using webhook_callback = std::function<void(const webhook_result&)>;

class webhook_directory {
 public:
  static constexpr std::size_t kMaxPerWorkspace = 10;

  webhook_directory(events::event_log& log, events::group_commit_writer& writer, const vault& secrets);
  events::status load();  // start-up only (blocking)

  nlohmann::json list(const std::string& workspace_id) const;
  std::optional<nlohmann::json> get(const std::string& workspace_id, const std::string& id) const;
  // body: {url, events?: [type] (default all), description?, enabled?}
  void create(const std::string& workspace_id, const nlohmann::json& body, webhook_callback done);
  void update(const std::string& workspace_id, const std::string& id, const nlohmann::json& body,
              webhook_callback done);
  void rotate_secret(const std::string& workspace_id, const std::string& id, webhook_callback done);
  void remove(const std::string& workspace_id, const std::string& id, webhook_callback done);

  // Every live endpoint (for the outbox), and a counter that changes with every write.
  std::vector<webhook_endpoint> endpoints() const;
  std::uint64_t version() const { return version_.load(std::memory_order_acquire); }
  // The endpoint if it is the workspace's (deleted ones excluded).
  std::optional<webhook_endpoint> endpoint(const std::string& workspace_id, const std::string& id) const;

 private:
  struct entry {
    webhook_endpoint ep;
    std::string description;
    std::int64_t created_ts = 0, updated_ts = 0;
    bool deleted = false;
    bool busy = false;  // a write is in flight (one at a time per endpoint)
    std::uint64_t head = 0;
  };
  nlohmann::json view(const entry& e) const;
  void apply(entry& e, const std::string& type, const nlohmann::json& d, std::uint64_t position);
  // Checks body against the entry (new when e is null); fills data or answers the error.
  bool check(const nlohmann::json& body, bool creating, nlohmann::json& data, std::string& error) const;
  // True if the workspace's endpoint exists and no write is in flight; else answers done.
  bool writable(const std::string& workspace_id, const std::string& id, std::unique_lock<std::shared_mutex>& lock,
                const webhook_callback& done);
  void append(const std::string& id, std::string type, nlohmann::json data, std::string new_secret,
              std::unique_lock<std::shared_mutex>& lock, webhook_callback done);

  events::event_log& log_;
  events::group_commit_writer& writer_;
  const vault& vault_;
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, entry> hooks_;
  std::atomic<std::uint64_t> version_{0};
};

}  // namespace sb::integrations
