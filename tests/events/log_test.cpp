#include "events/log.hpp"

#include <gtest/gtest.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "events/group_commit_writer.hpp"
#include "tests/support/temp_dir.hpp"

namespace sb::events {
namespace {

envelope event_for(const std::string& stream, std::uint64_t seq) {
  return {"message_posted", 1, stream, seq, 0, 0, R"({"n":)" + std::to_string(seq) + "}"};
}

std::unique_ptr<event_log> open_log(const std::string& path, rocksdb::Env* env = nullptr) {
  status st;
  auto log = event_log::open({path, env}, st);
  EXPECT_TRUE(st.ok()) << st.message();
  return log;
}

// Appends synchronously (waits for the callback).
append_result append_now(group_commit_writer& w, std::vector<envelope> evs) {
  std::promise<append_result> p;
  auto refused = w.append(std::move(evs), [&](const append_result& r) { p.set_value(r); });
  if (!refused.ok()) return append_result{refused, 0, 0, 0};
  return p.get_future().get();
}

TEST(Log, Appends_GetConsecutivePositionsAndReadBackInOrder) {
  test::temp_dir dir;
  auto log = open_log(dir.path());
  group_commit_writer w{*log, {}};
  auto r1 = append_now(w, {event_for("conversation/a", 1), event_for("conversation/a", 2)});
  auto r2 = append_now(w, {event_for("conversation/b", 1)});
  ASSERT_TRUE(r1.st.ok());
  EXPECT_EQ(r1.first_position, 1u);
  EXPECT_EQ(r1.last_position, 2u);
  EXPECT_EQ(r2.first_position, 3u);

  std::vector<envelope> a;
  ASSERT_TRUE(log->read_stream("conversation/a", 0, 100, a).ok());
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].seq, 1u);
  EXPECT_EQ(a[1].position, 2u);
  std::vector<envelope> from1;
  ASSERT_TRUE(log->read_from(1, 100, from1).ok());
  ASSERT_EQ(from1.size(), 2u);
  EXPECT_EQ(from1[0].position, 2u);
  EXPECT_EQ(from1[1].stream, "conversation/b");
  EXPECT_EQ(log->stream_head("conversation/a"), 2u);
  EXPECT_EQ(log->stream_head("conversation/nope"), 0u);
}

TEST(Log, ReadStream_DoesNotMixStreamsSharingAPrefix) {
  test::temp_dir dir;
  auto log = open_log(dir.path());
  group_commit_writer w{*log, {}};
  ASSERT_TRUE(append_now(w, {event_for("c/order", 1), event_for("c/orders", 1),
                             event_for("c/order", 2), event_for("c/orderz", 1)})
                  .st.ok());
  std::vector<envelope> out;
  ASSERT_TRUE(log->read_stream("c/order", 0, 100, out).ok());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].seq, 2u);
  EXPECT_EQ(log->stream_head("c/order"), 2u);
  out.clear();
  ASSERT_TRUE(log->read_stream("c/order", 1, 100, out).ok());
  ASSERT_EQ(out.size(), 1u);
}

TEST(Log, ReopenAfterCrash_ContinuesPositionsWithoutGapsOrReuse) {
  test::temp_dir dir;
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {  // the crashing writer: reports each durable position, then dies by SIGKILL
    close(fds[0]);
    status st;
    auto log = event_log::open({dir.path(), nullptr}, st);
    if (!log) _exit(3);
    group_commit_writer w{*log, {}};
    std::atomic<std::uint64_t> seq{0};
    for (int t = 0; t < 4; ++t)
      std::thread([&, t] {
        for (;;) {
          std::promise<std::uint64_t> p;
          auto s = ++seq;
          if (!w.append({event_for("conversation/crash" + std::to_string(t), s)},
                        [&](const append_result& r) { p.set_value(r.st.ok() ? r.last_position : 0); })
                   .ok())
            _exit(5);
          auto pos = p.get_future().get();
          if (write(fds[1], &pos, sizeof pos) != sizeof pos) _exit(4);
        }
      }).detach();
    pause();
    _exit(0);
  }
  close(fds[1]);
  std::set<std::uint64_t> acked;
  while (acked.size() < 2000) {
    std::uint64_t pos;
    ASSERT_EQ(read(fds[0], &pos, sizeof pos), static_cast<ssize_t>(sizeof pos));
    ASSERT_NE(pos, 0u) << "an append failed";
    acked.insert(pos);
  }
  kill(child, SIGKILL);
  int wstatus;
  waitpid(child, &wstatus, 0);
  close(fds[0]);

  auto log = open_log(dir.path());
  auto last = log->last_position();
  EXPECT_GE(last, *acked.rbegin());
  std::vector<envelope> all;
  ASSERT_TRUE(log->read_from(0, 1'000'000, all).ok());
  ASSERT_EQ(all.size(), last);
  for (std::size_t i = 0; i < all.size(); ++i) ASSERT_EQ(all[i].position, i + 1);
  for (auto pos : acked) EXPECT_LE(pos, last);

  group_commit_writer w{*log, {}};
  auto r = append_now(w, {event_for("conversation/after", 1)});
  ASSERT_TRUE(r.st.ok());
  EXPECT_EQ(r.first_position, last + 1);
}

group_commit_writer::options with_completion_thread() {
  group_commit_writer::options o;
  o.completion_thread = true;
  return o;
}

void batches_concurrent_appenders_and_loses_nothing(group_commit_writer::options opts) {
  test::temp_dir dir;
  auto log = open_log(dir.path());
  std::atomic<std::size_t> batches{0};  // before the writer: its thread calls the observer
  group_commit_writer w{*log, opts};
  w.on_batch([&](const batch_stats&) { ++batches; });
  constexpr int kThreads = 8, kPerThread = 500, kWindow = 16;
  std::mutex m;
  std::vector<std::uint64_t> positions;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      std::mutex wm;
      std::condition_variable cv;
      int outstanding = 0;
      for (int i = 1; i <= kPerThread; ++i) {
        {
          std::unique_lock lock{wm};
          cv.wait(lock, [&] { return outstanding < kWindow; });
          ++outstanding;
        }
        auto refused = w.append({event_for("conversation/t" + std::to_string(t), static_cast<std::uint64_t>(i))},
                 [&](const append_result& r) {
                   if (!r.st.ok()) ++failures;
                   {
                     std::lock_guard lock{m};
                     positions.push_back(r.last_position);
                   }
                   std::lock_guard lock{wm};
                   --outstanding;
                   cv.notify_one();
                 });
        ASSERT_TRUE(refused.ok());
      }
      std::unique_lock lock{wm};
      cv.wait(lock, [&] { return outstanding == 0; });
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures, 0);
  ASSERT_EQ(positions.size(), static_cast<std::size_t>(kThreads * kPerThread));
  // Callbacks run one at a time in commit order (acks and frames leave in log order).
  EXPECT_TRUE(std::is_sorted(positions.begin(), positions.end()));
  for (std::size_t i = 0; i < positions.size(); ++i) ASSERT_EQ(positions[i], i + 1);
  // Many appends share an fsync: far fewer batches than appends.
  EXPECT_LT(batches.load(), positions.size() / 4);
  for (int t = 0; t < kThreads; ++t) {
    std::vector<envelope> evs;
    ASSERT_TRUE(log->read_stream("conversation/t" + std::to_string(t), 0, 10'000, evs).ok());
    ASSERT_EQ(evs.size(), static_cast<std::size_t>(kPerThread));
    for (std::size_t i = 0; i < evs.size(); ++i) {
      EXPECT_EQ(evs[i].seq, i + 1);
      if (i) {
        EXPECT_LT(evs[i - 1].position, evs[i].position);
      }
    }
  }
}

TEST(Log, GroupCommit_BatchesConcurrentAppendersAndLosesNothing) {
  batches_concurrent_appenders_and_loses_nothing({});
}

// The server's setting: callbacks on their own thread while the writer writes the next batch.
TEST(Log, GroupCommit_WithACompletionThread_SameOrderSameDurability) {
  batches_concurrent_appenders_and_loses_nothing(with_completion_thread());
}

TEST(Log, GroupCommit_StopAnswersEveryQueuedAppend_WithACompletionThreadToo) {
  for (bool completer : {false, true}) {
    test::temp_dir dir;
    auto log = open_log(dir.path());
    std::atomic<int> ok{0};
    std::uint64_t last_seen = 0;
    bool in_order = true;
    {
      group_commit_writer w{*log, completer ? with_completion_thread() : group_commit_writer::options{}};
      for (int i = 1; i <= 2000; ++i)
        ASSERT_TRUE(w.append({event_for("conversation/s", static_cast<std::uint64_t>(i))},
                             [&](const append_result& r) {
                               if (r.st.ok()) ++ok;
                               in_order = in_order && r.last_position > last_seen;
                               last_seen = r.last_position;
                             })
                        .ok());
    }  // the destructor stops: everything queued is written and answered before it returns
    EXPECT_EQ(ok.load(), 2000) << "completion thread: " << completer;
    EXPECT_TRUE(in_order);
    std::vector<envelope> evs;
    ASSERT_TRUE(log->read_stream("conversation/s", 0, 10'000, evs).ok());
    EXPECT_EQ(evs.size(), 2000u);
  }
}

// A file system whose syncs fail on demand, as a dying disk's would.
class failing_fs : public rocksdb::FileSystemWrapper {
 public:
  explicit failing_fs(std::shared_ptr<rocksdb::FileSystem> base) : FileSystemWrapper(base) {}
  const char* Name() const override { return "failing_fs"; }
  std::atomic<bool> fail_syncs{false};

  rocksdb::IOStatus NewWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                    std::unique_ptr<rocksdb::FSWritableFile>* r,
                                    rocksdb::IODebugContext* dbg) override {
    auto s = target()->NewWritableFile(f, o, r, dbg);
    if (s.ok()) *r = std::make_unique<file>(std::move(*r), this);
    return s;
  }
  rocksdb::IOStatus ReopenWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                       std::unique_ptr<rocksdb::FSWritableFile>* r,
                                       rocksdb::IODebugContext* dbg) override {
    auto s = target()->ReopenWritableFile(f, o, r, dbg);
    if (s.ok()) *r = std::make_unique<file>(std::move(*r), this);
    return s;
  }

 private:
  class file : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    file(std::unique_ptr<rocksdb::FSWritableFile> t, failing_fs* fs)
        : FSWritableFileOwnerWrapper(std::move(t)), fs_(fs) {}
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* d) override {
      if (fs_->fail_syncs) return rocksdb::IOStatus::IOError("injected fsync failure");
      return FSWritableFileOwnerWrapper::Sync(o, d);
    }
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* d) override {
      if (fs_->fail_syncs) return rocksdb::IOStatus::IOError("injected fsync failure");
      return FSWritableFileOwnerWrapper::Fsync(o, d);
    }

   private:
    failing_fs* fs_;
  };
};

TEST(Log, CommitInterval_AnIdleWriterCommitsAtOnce_ABusyOneGathersTheNextBatch) {
  using namespace std::chrono_literals;
  using clock = std::chrono::steady_clock;
  test::temp_dir dir;
  auto log = open_log(dir.path());
  group_commit_writer::options opts;
  opts.min_commit_interval = 400ms;
  opts.interval_max_events = 50;
  // Declared before the writer: its thread calls the observer after the append callbacks.
  std::mutex m;
  std::vector<std::size_t> batch_requests;
  std::promise<append_result> p2, p3;
  group_commit_writer w{*log, opts};
  w.on_batch([&](const batch_stats& b) {
    std::lock_guard lock{m};
    batch_requests.push_back(b.requests);
  });

  // Idle: a lone append does not wait for the interval.
  auto t0 = clock::now();
  ASSERT_TRUE(append_now(w, {event_for("conversation/a", 1)}).st.ok());
  EXPECT_LT(clock::now() - t0, 300ms) << "an idle writer must commit at once";

  // Busy: two appends right after a commit wait for the interval and share one fsync.
  ASSERT_TRUE(w.append({event_for("conversation/a", 2)}, [&](const append_result& r) { p2.set_value(r); }).ok());
  ASSERT_TRUE(w.append({event_for("conversation/a", 3)}, [&](const append_result& r) { p3.set_value(r); }).ok());
  auto r2 = p2.get_future().get();
  auto r3 = p3.get_future().get();
  ASSERT_TRUE(r2.st.ok() && r3.st.ok());
  EXPECT_EQ(r3.last_position, r2.last_position + 1);
  for (int i = 0; i < 200; ++i) {  // the observer runs just after the callbacks
    std::this_thread::sleep_for(5ms);
    std::lock_guard lock{m};
    if (batch_requests.size() >= 2) break;
  }
  {
    std::lock_guard lock{m};
    ASSERT_EQ(batch_requests.size(), 2u);
    EXPECT_EQ(batch_requests[1], 2u) << "the appends made during the interval share a batch";
  }

  // Busy but with interval_max_events waiting: no waiting out the interval.
  std::vector<envelope> many;
  for (std::uint64_t i = 4; i < 4 + 50; ++i) many.push_back(event_for("conversation/a", i));
  auto t1 = clock::now();
  ASSERT_TRUE(append_now(w, std::move(many)).st.ok());
  EXPECT_LT(clock::now() - t1, 300ms) << "a full batch must not wait for the interval";
}

void fsync_failure_is_an_error_never_an_ack(group_commit_writer::options opts) {
  test::temp_dir dir;
  auto fs = std::make_shared<failing_fs>(rocksdb::FileSystem::Default());
  auto env = rocksdb::NewCompositeEnv(fs);
  auto log = open_log(dir.path(), env.get());
  group_commit_writer w{*log, opts};
  ASSERT_TRUE(append_now(w, {event_for("conversation/f", 1)}).st.ok());
  EXPECT_TRUE(w.healthy());

  fs->fail_syncs = true;
  auto failed = append_now(w, {event_for("conversation/f", 2)});
  EXPECT_FALSE(failed.st.ok());
  EXPECT_NE(failed.st.message().find("fsync"), std::string::npos) << failed.st.message();
  EXPECT_FALSE(w.healthy());

  // Even with the disk back, the writer stays read-only: no silent retry.
  fs->fail_syncs = false;
  auto later = append_now(w, {event_for("conversation/f", 3)});
  EXPECT_FALSE(later.st.ok());
  EXPECT_EQ(w.last_position(), 1u);
}

TEST(Log, FsyncFailure_IsAnErrorNeverAnAck_AndTheLogTurnsReadOnly) {
  fsync_failure_is_an_error_never_an_ack({});
}

TEST(Log, FsyncFailure_WithACompletionThread_IsAnErrorNeverAnAck) {
  fsync_failure_is_an_error_never_an_ack(with_completion_thread());
}

}  // namespace
}  // namespace sb::events
