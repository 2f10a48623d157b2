#pragma once
// projection_runner: the machinery every read model of the log shares. It owns the thread that
// folds the global log from a durable checkpoint, the wake-up by the writer after each commit,
// the rest between folds that lets commits pile up, the readers waiting for a position
// (min_position), and the state keys "<name>/version" and "<name>/checkpoint" in the log's
// state column family. The read model (history_projection, stats_projection) supplies what is
// its own: loading its state, folding a batch of events and saving what it has not saved yet.
//
// Saving (docs/storage.md): every fold step is one WriteBatch written with disableWAL. The
// model's unsaved state and the checkpoint of the position folded so far are added to it at
// most once a second and always on a clean stop, so the stored state always matches the
// stored checkpoint. A missing or different version wipes every "<name>/" key (synced) and
// folds again from position 0.
//
// Threads: the model's functions are called on one thread at a time: the caller of start()
// until it returns, then the runner thread until stop() returns. notify(), when_applied(),
// applied_position() and healthy() may be called from any thread.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "events/envelope.hpp"
#include "events/status.hpp"

namespace sb::events {
class event_log;
}
namespace rocksdb {
class WriteBatch;
}

namespace sb::projections {

class projection_runner {
 public:
  struct model {
    // Reads the model's state from the state column family (after the version check, before
    // the first fold). An error fails start().
    std::function<events::status()> load;
    // Folds events (ascending positions, gap-free) into memory and adds the writes that must
    // go out with this step to `wb`. An error stops the runner for good (healthy() false).
    std::function<events::status(const std::vector<events::envelope>& evs, rocksdb::WriteBatch& wb)>
        fold;
    // Adds the state folded but not saved yet to `wb`; the runner adds the checkpoint.
    std::function<void(rocksdb::WriteBatch& wb)> save;
  };
  struct options {
    std::string name;  // key prefix "<name>/" and thread name "sb-<name>"; no '/' in it
    int version = 1;   // bump to rebuild from 0 on the next start
    // After each fold the runner rests `coalesce` before it looks at the log again (unless a
    // reader waits for a position), so that under load it folds one larger batch instead of
    // waking for every commit. 0 folds after every commit.
    std::chrono::milliseconds coalesce{5};
  };

  projection_runner(events::event_log& log, options opts, model m);
  ~projection_runner();  // stops
  projection_runner(const projection_runner&) = delete;
  projection_runner& operator=(const projection_runner&) = delete;

  // Wipes the model's keys if `rebuild` or the version changed, loads the model, catches up
  // with the log on the calling thread, saves, and starts the runner thread.
  events::status start(bool rebuild);
  // Folds nothing more; saves what is folded (unless failed); fails waiters still waiting.
  void stop();
  // The writer calls this after each commit (any thread, non-blocking).
  void notify(std::uint64_t last_position);

  std::uint64_t applied_position() const { return applied_.load(std::memory_order_acquire); }
  bool healthy() const { return !failed_.load(std::memory_order_acquire); }
  // Runs fn(true) (on the runner thread, or at once) when applied_position() >= position, or
  // fn(false) once `deadline` passes or the projection fails first. Exactly one call.
  void when_applied(std::uint64_t position, std::chrono::steady_clock::time_point deadline,
                    std::function<void(bool)> fn);

 private:
  void run();
  events::status catch_up();
  // Adds the model's unsaved state and the checkpoint of what is folded to `wb`.
  void persist(rocksdb::WriteBatch& wb);
  events::status flush();  // persists, if anything was folded since the last persist
  // Calls and removes the waiters that are satisfied (or all of them when `fail_all`).
  void release_waiters(bool fail_all);

  events::event_log& log_;
  const options opts_;
  const model model_;
  const std::string version_key_;
  const std::string checkpoint_key_;

  // Runner thread only (or the caller of start() / after stop): the position folded, the
  // position whose checkpoint is saved, and when to save next.
  static constexpr std::chrono::seconds kPersistEvery{1};
  std::uint64_t folded_ = 0;
  std::uint64_t saved_ = 0;
  std::chrono::steady_clock::time_point next_persist_{};

  std::atomic<std::uint64_t> applied_{0};
  std::atomic<std::uint64_t> target_{0};
  std::atomic<bool> failed_{false};
  std::mutex wake_mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool new_waiter_ = false;  // a waiter came since the runner computed its deadline
  bool idle_ = false;  // the runner waits for commits (not resting between folds)
  struct waiter {
    std::uint64_t position;
    std::chrono::steady_clock::time_point deadline;
    std::function<void(bool)> fn;
  };
  std::vector<waiter> waiters_;
  std::thread thread_;
};

}  // namespace sb::projections
