#pragma once
// flow_directory: the bot flows of every workspace (the flow aggregate). Each flow's stream
// flow/<id> holds its versions (flow_saved: the whole definition, numbered 1, 2, ...) and its
// deletion (flow_deleted). Every version stays in memory, parsed and ready to run, so that a
// conversation finishes on the version it started with, even after an edit or a delete.
//
// Writes are validated (parse_flow: the error names the node), appended through the group
// commit writer and applied here once durable; the callback then answers. Reads never touch
// disk.
//
// Thread-safe: reads take a shared lock; writes check and append under the exclusive lock
// (one writer per stream, seqs in append order).
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/bots/flow.hpp"
#include "actors/errors.hpp"
#include "events/status.hpp"

namespace sb::events {
class event_log;
class group_commit_writer;
}  // namespace sb::events

namespace sb::bots {

struct flow_result {
  failure error{errc::ok, {}};
  nlohmann::json object;  // the flow as the API shows it
  std::uint64_t position = 0;
  std::string node;  // a validation error's node ("" when the error is not about one node)
};
using flow_callback = std::function<void(const flow_result&)>;

// A version ready to run.
struct runnable {
  std::string id;
  int version = 0;
  std::shared_ptr<const flow> compiled;
};

class flow_directory {
 public:
  flow_directory(events::event_log& log, events::group_commit_writer& writer);

  events::status load();  // start-up only (blocking)

  // The workspace's flows (not deleted), newest first: {id, name, version, created_ts, updated_ts}.
  nlohmann::json list(const std::string& workspace_id) const;
  // One flow with its current definition; nullopt if unknown, deleted or another workspace's.
  std::optional<nlohmann::json> get(const std::string& workspace_id, const std::string& id) const;

  // body: the definition (see docs/flows.md). Answers 201-style objects; bad_request with the
  // node on invalid definitions.
  void create(const std::string& workspace_id, const nlohmann::json& definition, flow_callback done);
  // A new version; running conversations keep theirs.
  void update(const std::string& workspace_id, const std::string& id, const nlohmann::json& definition,
              flow_callback done);
  void remove(const std::string& workspace_id, const std::string& id, flow_callback done);

  // The current version of a live flow of the workspace (for a new conversation).
  std::optional<runnable> current(const std::string& workspace_id, const std::string& id) const;
  // Any version ever saved, deleted flows included (for a running conversation).
  std::shared_ptr<const flow> version(const std::string& workspace_id, const std::string& id, int v) const;

 private:
  struct saved {
    int version = 0;
    std::shared_ptr<const flow> compiled;
    nlohmann::json definition;
    std::int64_t ts = 0;
  };
  struct entry {
    std::string workspace_id;
    std::vector<saved> versions;  // ascending, from 1
    std::int64_t created_ts = 0;
    std::int64_t updated_ts = 0;
    bool deleted = false;
    std::uint64_t head = 0;  // seq of its stream (appends in flight included)
    int next_version = 1;    // (appends in flight included)
    bool deleting = false;   // a delete is in flight
  };

  nlohmann::json view(const std::string& id, const entry& e, bool with_definition) const;
  void apply(entry& e, const std::string& type, const nlohmann::json& data);
  void append(const std::string& id, entry& e, std::string type, nlohmann::json data,
              std::unique_lock<std::shared_mutex>& lock, flow_callback done);

  events::event_log& log_;
  events::group_commit_writer& writer_;
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, entry> flows_;
};

}  // namespace sb::bots
