#pragma once
// group_commit_writer: the only writer of the event log. Appends from any thread are queued;
// the writer thread takes everything queued while the previous fsync was in flight, writes it
// as one RocksDB WriteBatch with sync=true, and only then runs each append's callback.
//
// Positions are assigned here, in commit order. Seqs come from the caller (the stream's owner
// actor), which is the single writer of its stream.
//
// A failed write is not retried: the writer turns read-only, fails that batch and every later
// append, and healthy() turns false (LevelDB's permanent background error).
//
// Callbacks run in commit order on the writer thread (or, with options.completion_thread, on a
// second thread while the writer writes the next batch); they must not block (send a message,
// post to a strand).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "events/envelope.hpp"
#include "events/status.hpp"

namespace sb::events {

class event_log;

struct append_result {
  status st;
  std::uint64_t first_position = 0;  // positions of the request's events are consecutive
  std::uint64_t last_position = 0;
  std::int64_t ts = 0;               // commit time stamped on every event (ms since epoch)
};

using append_callback = std::function<void(const append_result&)>;

struct batch_stats {
  std::size_t events = 0;
  std::size_t requests = 0;
  std::chrono::nanoseconds write_time{0};
  // enqueue -> durable, one entry per request
  const std::vector<std::chrono::nanoseconds>* request_latencies = nullptr;
  bool ok = true;  // false: the batch failed and nothing in it is durable
};

class group_commit_writer {
 public:
  struct options {
    bool sync = true;
    std::size_t max_batch_events = 8192;
    std::size_t max_batch_bytes = 8 << 20;
    // Under sustained load, a batch's write starts at least this long after the previous
    // one's started, unless `interval_max_events` events are already waiting. An idle writer
    // commits at once (a lone message never waits); a busy one fsyncs less often with bigger
    // batches. On a VM whose fsync latency spikes when the CPUs are busy, fewer fsyncs and
    // wake-ups cut the tail (benchmarks/RESULTS.md). 0 commits as soon as the last one is done.
    std::chrono::microseconds min_commit_interval{0};
    std::size_t interval_max_events = 256;
    // Run callbacks on a second thread, overlapping the next write. Costs a thread hand-off
    // per batch; buys fsyncs that follow one another closely, which some disks (the VM of
    // benchmarks/RESULTS.md, session 11) answer several times faster than an fsync issued
    // after a pause. The server turns it on (--completion-thread).
    bool completion_thread = false;
  };

  group_commit_writer(event_log& log, options opts);
  ~group_commit_writer();  // drains the queue (every pending append completes), then joins
  group_commit_writer(const group_commit_writer&) = delete;
  group_commit_writer& operator=(const group_commit_writer&) = delete;

  // Queues `events` (their position and ts are assigned at commit) and calls `done` on the
  // writer thread once the batch holding them is durable, or failed. Thread-safe. If the
  // writer is read-only or stopping, returns the error at once and never calls `done` (so a
  // caller may hold its own lock across append()).
  // On refusal `done` is left untouched, so the caller may still call it.
  [[nodiscard]] status append(std::vector<envelope> events, append_callback&& done);

  // Called on the writer thread after every durable batch with the last position written.
  void on_commit(std::function<void(std::uint64_t)> listener);
  void on_batch(std::function<void(const batch_stats&)> observer);

  bool healthy() const { return !failed_.load(std::memory_order_acquire); }
  std::uint64_t last_position() const { return last_position_.load(std::memory_order_acquire); }
  // Stops accepting appends, completes what is queued and joins the thread.
  void stop();

 private:
  struct request {
    std::vector<envelope> events;
    append_callback done;
    std::chrono::steady_clock::time_point enqueued;
  };
  struct completed {
    std::vector<request> batch;
    std::vector<append_result> results;
    status st;
    std::uint64_t last_position = 0;
    std::chrono::nanoseconds write_time{0};
    std::chrono::steady_clock::time_point finished;
  };
  void run();
  void commit(std::vector<request>& batch);
  void run_completions();
  void complete(completed& c);

  event_log& log_;
  options opts_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<request> queue_;
  std::size_t queued_events_ = 0;
  bool idle_ = false;       // the writer waits for the first append
  bool lingering_ = false;  // the writer waits out min_commit_interval
  std::chrono::steady_clock::time_point last_start_{};
  bool stopping_ = false;
  std::atomic<bool> failed_{false};
  std::string failure_;
  std::atomic<std::uint64_t> last_position_{0};
  std::function<void(std::uint64_t)> commit_listener_;
  std::function<void(const batch_stats&)> batch_observer_;
  std::thread thread_;
  // the completion stage: callbacks of durable batches, in order
  std::mutex done_mutex_;
  std::condition_variable done_wake_;
  std::deque<completed> done_queue_;
  bool done_stopping_ = false;
  std::thread completer_;
};

}  // namespace sb::events
