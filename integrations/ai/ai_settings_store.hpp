#pragma once
// ai_settings_store: each workspace's AI endpoint (the ai aggregate, stream ai/<workspace id>,
// event ai_configured, stored by settings_streams). The API key is sealed by the vault before it is stored and is never
// shown again (only whether one is set, and its last 4 characters). Reads never touch disk.
// Thread-safe (shared lock for reads, exclusive for writes; writes apply once durable).
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "actors/errors.hpp"
#include "events/status.hpp"
#include "integrations/ai/ai_client.hpp"
#include "integrations/settings_streams.hpp"

namespace sb {
class vault;
}
namespace sb::events {
class event_log;
class group_commit_writer;
}  // namespace sb::events

namespace sb::integrations {

struct ai_settings_result {
  failure error{errc::ok, {}};
  nlohmann::json object;
  std::uint64_t position = 0;
};

class ai_settings_store {
 public:
  ai_settings_store(events::event_log& log, events::group_commit_writer& writer, const vault& secrets);
  events::status load();  // start-up only (blocking)

  nlohmann::json view(const std::string& workspace_id) const;  // what GET /ai shows
  // body: {base_url, model, system_prompt?, timeout_seconds?, api_key?} ("" clears the key,
  // absent keeps it).
  void configure(const std::string& workspace_id, const nlohmann::json& body,
                 std::function<void(const ai_settings_result&)> done);
  // The settings a call uses (key in the clear); nullopt until configured.
  std::optional<ai_settings> settings(const std::string& workspace_id) const;

 private:
  struct entry {
    ai_settings s;
    std::int64_t updated_ts = 0;
  };
  void apply(entry& e, const nlohmann::json& d);
  nlohmann::json view_of(const entry* e) const;

  settings_streams streams_;
  const vault& vault_;
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, entry> by_workspace_;
};

}  // namespace sb::integrations
