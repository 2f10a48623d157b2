#include "projections/projection_runner.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <memory>

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "events/keys.hpp"
#include "events/log.hpp"
#include "events/thread_name.hpp"

namespace sb::projections {
namespace {
events::status to_status(const rocksdb::Status& s) {
  return s.ok() ? events::status{} : events::status::error(s.ToString());
}
}  // namespace

projection_runner::projection_runner(events::event_log& log, options opts, model m)
    : log_(log),
      opts_(std::move(opts)),
      model_(std::move(m)),
      version_key_(opts_.name + "/version"),
      checkpoint_key_(opts_.name + "/checkpoint") {}

projection_runner::~projection_runner() { stop(); }

events::status projection_runner::start(bool rebuild) {
  auto* db = log_.models_db();
  auto* cf = log_.models_cf();
  std::string version;
  auto vs = db->Get(rocksdb::ReadOptions{}, cf, version_key_, &version);
  if (rebuild || !vs.ok() || version != std::to_string(opts_.version)) {
    // Wipe and start over from position 0.
    rocksdb::WriteBatch wb;
    std::string end = opts_.name + "0";  // '0' follows '/': every "<name>/..." key sorts before it
    wb.DeleteRange(cf, opts_.name + "/", end);
    wb.Put(cf, version_key_, std::to_string(opts_.version));
    wb.Put(cf, checkpoint_key_, events::keys::position_key(0));
    rocksdb::WriteOptions wo;
    wo.sync = true;
    if (auto st = to_status(db->Write(wo, &wb)); !st) return st;
    // Data dirs from before the read models had their own database kept them in the log's
    // state column family: drop them there too.
    rocksdb::WriteBatch legacy;
    legacy.DeleteRange(log_.state_cf(), opts_.name + "/", end);
    if (auto st = to_status(log_.db()->Write(wo, &legacy)); !st) return st;
  }
  std::string ckpt;
  if (db->Get(rocksdb::ReadOptions{}, cf, checkpoint_key_, &ckpt).ok() && ckpt.size() == 8)
    applied_ = events::keys::get_u64(ckpt);
  if (auto st = model_.load(); !st) return st;
  target_ = log_.last_position();
  folded_ = saved_ = applied_.load();
  if (auto st = catch_up(); !st) return st;
  if (auto st = flush(); !st) return st;
  thread_ = std::thread([this] {
    events::name_this_thread("sb-" + opts_.name);
    run();
  });
  return {};
}

void projection_runner::stop() {
  {
    std::lock_guard lock{wake_mutex_};
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void projection_runner::notify(std::uint64_t last_position) {
  auto prev = target_.load(std::memory_order_relaxed);
  while (prev < last_position && !target_.compare_exchange_weak(prev, last_position)) {
  }
  std::lock_guard lock{wake_mutex_};
  if (idle_) wake_.notify_one();  // resting runners look again on their own
}

void projection_runner::when_applied(std::uint64_t position,
                                     std::chrono::steady_clock::time_point deadline,
                                     std::function<void(bool)> fn) {
  {
    std::lock_guard lock{wake_mutex_};
    if (applied_.load(std::memory_order_acquire) < position && !failed_) {
      waiters_.push_back({position, deadline, std::move(fn)});
      new_waiter_ = true;
      wake_.notify_one();  // the runner may need an earlier timeout
      return;
    }
  }
  fn(!failed_);
}

void projection_runner::release_waiters(bool fail_all) {
  std::vector<std::pair<std::function<void(bool)>, bool>> ready;
  {
    std::lock_guard lock{wake_mutex_};
    auto now = std::chrono::steady_clock::now();
    auto applied = applied_.load();
    std::erase_if(waiters_, [&](waiter& w) {
      bool ok = !fail_all && w.position <= applied;
      if (!ok && !fail_all && w.deadline > now) return false;
      ready.emplace_back(std::move(w.fn), ok);
      return true;
    });
  }
  for (auto& [fn, ok] : ready) fn(ok);
}

void projection_runner::run() {
  // Read models may lag a little; acknowledged messages may not: yield the CPU to the writer.
  setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 5);
  for (;;) {
    {
      std::unique_lock lock{wake_mutex_};
      // A new waiter wakes the runner too, so that its deadline is taken into account (a
      // runner already waiting without a deadline would otherwise sleep past it).
      auto has_work = [this] { return stopping_ || target_.load() > applied_.load() || new_waiter_; };
      new_waiter_ = false;
      idle_ = true;
      if (waiters_.empty()) {
        wake_.wait(lock, has_work);
      } else {
        auto next = waiters_.front().deadline;
        for (auto& w : waiters_) next = std::min(next, w.deadline);
        wake_.wait_until(lock, next, has_work);
      }
      idle_ = false;
      if (stopping_) break;
      if (new_waiter_ && target_.load() <= applied_.load()) {
        new_waiter_ = false;
        lock.unlock();
        release_waiters(false);
        continue;  // wait again, now with the new deadline
      }
    }
    if (auto st = catch_up(); !st) {
      failed_ = true;
      std::fprintf(stderr, "%s projection failed: %s\n", opts_.name.c_str(), st.message().c_str());
      break;
    }
    release_waiters(false);  // the timed-out ones
    // Rest a little so that commits pile up into one fold (fewer wake-ups and RocksDB writes
    // under load); a reader waiting for a position cuts the rest short.
    if (opts_.coalesce.count() > 0) {
      std::unique_lock lock{wake_mutex_};
      wake_.wait_for(lock, opts_.coalesce, [this] { return stopping_ || !waiters_.empty(); });
    }
  }
  if (!failed_) {
    if (auto st = flush(); !st)
      std::fprintf(stderr, "%s projection: saving its state failed: %s\n", opts_.name.c_str(),
                   st.message().c_str());
  }
  release_waiters(true);
}

events::status projection_runner::catch_up() {
  std::vector<events::envelope> evs;
  while (applied_.load() < target_.load()) {
    evs.clear();
    if (auto st = log_.read_from(applied_.load(), 2048, evs); !st) return st;
    if (evs.empty()) break;
    rocksdb::WriteBatch wb;
    if (auto st = model_.fold(evs, wb); !st) return st;
    auto last = evs.back().position;
    folded_ = last;
    if (std::chrono::steady_clock::now() >= next_persist_) persist(wb);
    // No WAL: the state and its checkpoint live in one column family and are flushed together,
    // so after a crash both come back as of the last flush and the fold repeats from there.
    // This keeps read-model writes off the WAL that every acknowledged message waits on.
    rocksdb::WriteOptions wo;
    wo.disableWAL = true;
    // A step that wrote nothing (status changes fold into memory only) skips RocksDB's write
    // path altogether.
    if (wb.Count() > 0)
      if (auto st = to_status(log_.models_db()->Write(wo, &wb)); !st) return st;
    {
      std::lock_guard lock{wake_mutex_};
      applied_.store(last, std::memory_order_release);
    }
    release_waiters(false);
  }
  return {};
}

void projection_runner::persist(rocksdb::WriteBatch& wb) {
  // The model's state goes with the checkpoint that matches it, at most once per persist
  // interval: a busy read model rewrites its hot keys once a second, not once per event.
  model_.save(wb);
  wb.Put(log_.models_cf(), checkpoint_key_, events::keys::position_key(folded_));
  saved_ = folded_;
  next_persist_ = std::chrono::steady_clock::now() + kPersistEvery;
}

events::status projection_runner::flush() {
  if (folded_ == saved_) return {};
  rocksdb::WriteBatch wb;
  persist(wb);
  rocksdb::WriteOptions wo;
  wo.disableWAL = true;
  return to_status(log_.models_db()->Write(wo, &wb));
}

}  // namespace sb::projections
