#pragma once
// settings_streams: the storage of small per-workspace settings aggregates (AI endpoint,
// channels): one stream "<prefix><workspace id>" each, folded at start-up, appended one event
// at a time (a second write while one is in flight is refused: conflict) and answered once
// durable. The owner keeps the folded state and its own lock. Thread-safe.
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "actors/errors.hpp"
#include "events/status.hpp"

namespace sb::events {
class event_log;
class group_commit_writer;
}  // namespace sb::events

namespace sb::integrations {

class settings_streams {
 public:
  settings_streams(events::event_log& log, events::group_commit_writer& writer, std::string prefix);
  // Start-up only: fn(workspace id, event type, data) for every event, in order.
  events::status load(const std::function<events::status(const std::string&, const std::string&, const nlohmann::json&)>& fn);
  // Appends; `done(failure, position)` runs once (on the writer's thread when it was written).
  void append(const std::string& workspace_id, const std::string& type, const nlohmann::json& data,
              std::function<void(const failure&, std::uint64_t position)> done);

 private:
  events::event_log& log_;
  events::group_commit_writer& writer_;
  const std::string prefix_;
  std::mutex mutex_;
  struct head {
    std::uint64_t seq = 0;
    bool busy = false;
  };
  std::unordered_map<std::string, head> heads_;
};

}  // namespace sb::integrations
