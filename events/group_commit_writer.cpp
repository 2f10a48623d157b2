#include "events/group_commit_writer.hpp"

#include <rocksdb/write_batch.h>

#include "events/keys.hpp"
#include "events/log.hpp"
#include "events/thread_name.hpp"

namespace sb::events {

group_commit_writer::group_commit_writer(event_log& log, options opts)
    : log_(log), opts_(opts), last_position_(log.last_position()) {
  thread_ = std::thread([this] {
    name_this_thread("sb-writer");
    run();
  });
  if (opts_.completion_thread) completer_ = std::thread([this] {
      name_this_thread("sb-completer");
      run_completions();
    });
}

group_commit_writer::~group_commit_writer() { stop(); }

void group_commit_writer::on_commit(std::function<void(std::uint64_t)> listener) {
  std::lock_guard lock{mutex_};
  commit_listener_ = std::move(listener);
}

void group_commit_writer::on_batch(std::function<void(const batch_stats&)> observer) {
  std::lock_guard lock{mutex_};
  batch_observer_ = std::move(observer);
}

status group_commit_writer::append(std::vector<envelope> events, append_callback&& done) {
  std::lock_guard lock{mutex_};
  if (failed_.load(std::memory_order_relaxed))
    return status::error("event log is read-only after a write failure: " + failure_);
  if (stopping_) return status::error("event log is shutting down");
  queued_events_ += events.size();
  queue_.push_back({std::move(events), std::move(done), std::chrono::steady_clock::now()});
  if (idle_ || (lingering_ && queued_events_ >= opts_.interval_max_events)) wake_.notify_one();
  return {};
}

void group_commit_writer::stop() {
  {
    std::lock_guard lock{mutex_};
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();  // every queued append is written...
  {
    std::lock_guard lock{done_mutex_};
    done_stopping_ = true;
  }
  done_wake_.notify_all();
  if (completer_.joinable()) completer_.join();  // ...and answered
}

void group_commit_writer::run_completions() {
  for (;;) {
    std::deque<completed> ready;
    {
      std::unique_lock lock{done_mutex_};
      done_wake_.wait(lock, [this] { return done_stopping_ || !done_queue_.empty(); });
      if (done_queue_.empty()) return;  // stopping and drained
      ready.swap(done_queue_);
    }
    for (auto& c : ready) complete(c);
  }
}

void group_commit_writer::run() {
  std::vector<request> batch;
  for (;;) {
    {
      std::unique_lock lock{mutex_};
      idle_ = true;
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      idle_ = false;
      if (opts_.min_commit_interval.count() > 0) {
        lingering_ = true;
        wake_.wait_until(lock, last_start_ + opts_.min_commit_interval, [this] {
          return stopping_ || queued_events_ >= opts_.interval_max_events;
        });
        lingering_ = false;
      }
      if (queue_.empty()) return;  // stopping and drained
      last_start_ = std::chrono::steady_clock::now();
      std::size_t events = 0, bytes = 0;
      while (!queue_.empty() && (batch.empty() || (events < opts_.max_batch_events &&
                                                   bytes < opts_.max_batch_bytes))) {
        auto& r = queue_.front();
        events += r.events.size();
        for (auto& e : r.events) bytes += e.data.size() + e.stream.size() + 64;
        queued_events_ -= r.events.size();
        batch.push_back(std::move(r));
        queue_.pop_front();
      }
    }
    commit(batch);
    batch.clear();
  }
}

void group_commit_writer::commit(std::vector<request>& batch) {
  auto started = std::chrono::steady_clock::now();
  auto ts = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  std::vector<append_result> results(batch.size());
  auto position = last_position_.load(std::memory_order_relaxed);
  status st;
  if (failed_.load(std::memory_order_relaxed)) {
    st = status::error("event log is read-only after a write failure: " + failure_);
  } else {
    rocksdb::WriteBatch wb;
    std::size_t n_events = 0;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      results[i].first_position = position + 1;
      results[i].ts = ts;
      for (auto& e : batch[i].events) {
        e.position = ++position;
        e.ts = ts;
        auto pos_key = keys::position_key(e.position);
        wb.Put(log_.log_cf(), pos_key, encode(e));
        wb.Put(log_.streams_cf(), keys::stream_key(e.stream, e.seq), pos_key);
        ++n_events;
      }
      results[i].last_position = position;
    }
    st = n_events ? log_.write_batch(wb, opts_.sync) : status{};
    if (st.ok()) {
      last_position_.store(position, std::memory_order_release);
    } else {
      std::lock_guard lock{mutex_};
      failure_ = st.message();
      failed_.store(true, std::memory_order_release);
    }
  }
  completed c{std::move(batch), std::move(results), st, position, {}, std::chrono::steady_clock::now()};
  c.write_time = c.finished - started;
  batch.clear();
  if (!opts_.completion_thread) return complete(c);
  {
    std::lock_guard lock{done_mutex_};
    done_queue_.push_back(std::move(c));
  }
  done_wake_.notify_one();
}

void group_commit_writer::complete(completed& c) {
  auto& batch = c.batch;
  auto& st = c.st;
  std::vector<std::chrono::nanoseconds> latencies;
  latencies.reserve(batch.size());
  std::size_t n_events = 0;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    n_events += batch[i].events.size();
    latencies.push_back(c.finished - batch[i].enqueued);
    if (!st.ok()) c.results[i] = append_result{st, 0, 0, 0};
    batch[i].done(c.results[i]);
  }
  std::function<void(std::uint64_t)> listener;
  std::function<void(const batch_stats&)> observer;
  {
    std::lock_guard lock{mutex_};
    listener = commit_listener_;
    observer = batch_observer_;
  }
  if (st.ok() && listener) listener(c.last_position);
  if (observer) observer(batch_stats{n_events, batch.size(), c.write_time, &latencies, st.ok()});
}

}  // namespace sb::events
