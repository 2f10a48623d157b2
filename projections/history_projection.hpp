#pragma once
// history_projection: folds the global log into the history read model (message frames per
// conversation, paged by seq, and the workspace's conversation list), stored in the log's
// state column family together with a durable checkpoint, rebuildable from position 0.
//
// Threads: one runner thread folds (projection_runner); it is woken by the writer after each
// commit. list() and summary() read memory and may be called from any thread; messages() reads
// RocksDB and belongs on a blocking_pool thread.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "events/envelope.hpp"
#include "events/status.hpp"
#include "projections/projection_runner.hpp"

namespace sb::events {
class event_log;
}
namespace rocksdb {
class WriteBatch;
}

namespace sb::projections {

inline constexpr int kHistoryVersion = 3;  // bump to rebuild from 0 on the next start

struct message_page {
  std::vector<std::string> frames;  // JSON message frames, ascending seq
  std::optional<std::uint64_t> next_after_seq;
  std::optional<std::uint64_t> next_before_seq;
};

class history_projection {
 public:
  // After each fold the runner rests `coalesce` before it looks at the log again (unless a
  // reader waits for a position), so that under load it folds one larger batch instead of
  // waking for every commit. 0 folds after every commit.
  explicit history_projection(events::event_log& log,
                              std::chrono::milliseconds coalesce = std::chrono::milliseconds(5));
  ~history_projection();

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

  // Conversations of a workspace, newest update first; status "" means all.
  nlohmann::json list(const std::string& workspace_id, const std::string& status,
                      std::size_t limit, const std::string& cursor) const;
  std::optional<nlohmann::json> summary(const std::string& conversation_id) const;
  // Every conversation not closed: (visitor id, conversation id).
  std::vector<std::pair<std::string, std::string>> open_conversations() const;
  // Blocking read: message frames of a conversation.
  events::status messages(const std::string& conversation_id, std::optional<std::uint64_t> after,
                          std::optional<std::uint64_t> before, std::size_t limit,
                          message_page& out) const;

 private:
  // The runner's model: load the summaries, fold a batch in place, save the dirty summaries.
  events::status load();
  events::status fold(const std::vector<events::envelope>& evs, rocksdb::WriteBatch& wb);
  void save(rocksdb::WriteBatch& wb);

  events::event_log& log_;
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, nlohmann::json> summaries_;
  // per workspace: (updated_ts, id) ordered, for listing newest first
  std::unordered_map<std::string, std::map<std::pair<std::int64_t, std::string>, bool>> order_;
  // Runner thread only: summaries folded since the last save.
  std::unordered_set<std::string> dirty_;
  // Last: its thread stops before the state it folds into is destroyed.
  projection_runner runner_;
};

}  // namespace sb::projections
