#pragma once
// stats_projection: folds the global log into the stats read model (stats_fold: per workspace,
// per UTC hour bucket, visitors, conversations, messages, sessions, response and resolution
// times, per channel, country and agent) and keeps it in the log's state column family under
// "stats/" with a durable checkpoint, rebuildable from position 0 (docs/storage.md).
//
// Threads: one runner thread folds (projection_runner); it is woken by the writer after each
// commit. The reads use memory only, cost O(hour buckets in the range) and may be called from
// any thread (they share a lock with the fold, which holds it for one batch of events).
#include <chrono>
#include <cstdint>
#include <functional>
#include <shared_mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "events/envelope.hpp"
#include "events/status.hpp"
#include "projections/projection_runner.hpp"
#include "projections/stats_fold.hpp"

namespace sb::events {
class event_log;
}
namespace rocksdb {
class WriteBatch;
}

namespace sb::projections {

inline constexpr int kStatsVersion = 1;  // bump to rebuild from 0 on the next start

class stats_projection {
 public:
  // `coalesce`: the rest between folds, as for history_projection.
  explicit stats_projection(events::event_log& log,
                            std::chrono::milliseconds coalesce = std::chrono::milliseconds(5));
  ~stats_projection();

  // Loads state (or wipes it if `rebuild` or the version changed) and catches up with the log.
  events::status start(bool rebuild);
  void stop();
  // The writer calls this after each commit (any thread, non-blocking).
  void notify(std::uint64_t last_position);

  std::uint64_t applied_position() const { return runner_.applied_position(); }
  bool healthy() const { return runner_.healthy(); }
  // Runs fn(true) (on the runner thread, or at once) when applied_position() >= position, or
  // fn(false) once `deadline` passes or the projection fails first. Exactly one call.
  void when_applied(std::uint64_t position, std::chrono::steady_clock::time_point deadline,
                    std::function<void(bool)> fn);

  // The reads of stats_fold (see there); ranges are [from_ms, to_ms), tz an IANA name or "".
  nlohmann::json overview(const std::string& workspace_id, std::int64_t from_ms, std::int64_t to_ms,
                          const std::string& tz, std::uint64_t online_visitors,
                          std::int64_t now_ms) const;
  nlohmann::json timeseries(const std::string& workspace_id, const std::string& metric,
                            const std::string& bucket, std::int64_t from_ms, std::int64_t to_ms,
                            const std::string& tz) const;
  nlohmann::json agents(const std::string& workspace_id, std::int64_t from_ms,
                        std::int64_t to_ms) const;

 private:
  // The runner's model: load the pieces, fold a batch in place, save the dirty pieces.
  events::status load();
  events::status fold(const std::vector<events::envelope>& evs, rocksdb::WriteBatch& wb);
  void save(rocksdb::WriteBatch& wb);

  events::event_log& log_;
  mutable std::shared_mutex mutex_;
  stats_fold fold_;
  // Runner thread only: keys of the pieces folded since the last save.
  std::unordered_set<std::string> dirty_;
  // Last: its thread stops before the state it folds into is destroyed.
  projection_runner runner_;
};

}  // namespace sb::projections
