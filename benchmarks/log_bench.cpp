// Micro-benchmarks of the event log (events/): raw synced WriteBatch appends, the group-commit
// writer under concurrent appenders, and the envelope encoding.
//
//   nice ninja -C build -j1 log_bench
//   ./build/benchmarks/log_bench --benchmark_repetitions=3 --benchmark_min_time=1
//                                --benchmark_report_aggregates_only=true
//
// Every benchmark run opens a fresh RocksDB in its own mkdtemp directory under /tmp, removed
// afterwards. Events carry 200-byte JSON payloads on streams "conversation/cv_<n>" with
// per-stream seqs, as the conversation actors write them. Durable throughput is measured against
// wall-clock time (UseRealTime): the fsync, not the CPU, is what bounds it.
#include <benchmark/benchmark.h>
#include <rocksdb/write_batch.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "events/envelope.hpp"
#include "events/group_commit_writer.hpp"
#include "events/keys.hpp"
#include "events/log.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using namespace sb::events;

constexpr std::size_t kPayloadBytes = 200;

using sb::test::temp_dir;  // shared with the tests

std::unique_ptr<event_log> open_log(const temp_dir& dir) {
  status st;
  auto log = event_log::open({dir.path(), nullptr}, st);
  if (!log) throw std::runtime_error("event_log::open: " + st.message());
  return log;
}

// A JSON object of exactly kPayloadBytes bytes, shaped like a message_posted payload.
std::string payload() {
  std::string head = R"({"message_id":"msg_0000000001","author":"usr_0000000042","text":")";
  std::string tail = R"("})";
  std::string s = head;
  while (s.size() + tail.size() < kPayloadBytes) s.push_back('a' + static_cast<char>(s.size() % 26));
  s += tail;
  return s;
}

std::string stream_name(std::size_t n) { return "conversation/cv_" + std::to_string(n); }

envelope make_event(const std::string& data) {
  envelope e;
  e.type = "message_posted";
  e.version = 1;
  e.data = data;
  return e;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// ---------------------------------------------------------------------------------------------
// 1. One synced RocksDB WriteBatch of N envelopes per iteration, encoded exactly as
//    group_commit_writer::commit does (encode() + position/stream keys), written through
//    event_log::write_batch(batch, sync=true). No queueing, no callbacks: the floor under 2.
void BM_RawBatchAppend(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  constexpr std::size_t kStreams = 64;

  temp_dir dir;
  auto log = open_log(dir);
  const auto data = payload();

  std::vector<envelope> events(n, make_event(data));
  for (std::size_t i = 0; i < n; ++i) events[i].stream = stream_name(i % kStreams);
  std::vector<std::uint64_t> seqs(kStreams, 0);
  std::uint64_t position = log->last_position();
  std::int64_t bytes = 0;

  for (auto _ : state) {
    rocksdb::WriteBatch wb;
    const auto ts = now_ms();
    for (std::size_t i = 0; i < n; ++i) {
      auto& e = events[i];
      e.seq = ++seqs[i % kStreams];
      e.position = ++position;
      e.ts = ts;
      auto pos_key = keys::position_key(e.position);
      auto value = encode(e);
      bytes += static_cast<std::int64_t>(value.size());
      wb.Put(log->log_cf(), pos_key, value);
      wb.Put(log->streams_cf(), keys::stream_key(e.stream, e.seq), pos_key);
    }
    auto st = log->write_batch(wb, /*sync=*/true);
    if (!st.ok()) {
      state.SkipWithError(st.message().c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_RawBatchAppend)
    ->Arg(1)
    ->Arg(10)
    ->Arg(100)
    ->Arg(1000)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

// ---------------------------------------------------------------------------------------------
// 2. K appender threads, each in a closed loop against group_commit_writer::append (sync=true)
//    with up to kWindow appends outstanding; a thread blocks on its condvar when the window is
//    full and is woken by the completion callbacks (run on the writer thread). One iteration =
//    every thread issues its fixed share of kEventsPerIteration events and sees all of them
//    durable. Each thread owns kStreamsPerThread streams (one writer per stream, as the actors).
constexpr std::size_t kWindow = 64;
constexpr std::size_t kEventsPerIteration = 32768;
constexpr std::size_t kStreamsPerThread = 16;

struct appender_window {
  std::mutex m;
  std::condition_variable cv;
  std::size_t outstanding = 0;
  std::string error;
};

void BM_GroupCommit(benchmark::State& state) {
  const auto threads = static_cast<std::size_t>(state.range(0));
  const auto per_append = static_cast<std::size_t>(state.range(1));
  const std::size_t appends_per_thread =
      std::max<std::size_t>(1, kEventsPerIteration / (threads * per_append));

  temp_dir dir;
  auto log = open_log(dir);
  // Before the writer: its thread calls the observer until the writer is destroyed.
  std::atomic<std::uint64_t> batches{0}, batch_events{0}, write_ns{0}, requests{0}, latency_ns{0};
  group_commit_writer::options opts;  // sync=true by default
  opts.min_commit_interval = std::chrono::microseconds(state.range(2));
  group_commit_writer writer{*log, opts};
  writer.on_batch([&](const batch_stats& s) {
    batches.fetch_add(1, std::memory_order_relaxed);
    batch_events.fetch_add(s.events, std::memory_order_relaxed);
    write_ns.fetch_add(static_cast<std::uint64_t>(s.write_time.count()), std::memory_order_relaxed);
    std::uint64_t lat = 0;
    for (auto l : *s.request_latencies) lat += static_cast<std::uint64_t>(l.count());
    requests.fetch_add(s.request_latencies->size(), std::memory_order_relaxed);
    latency_ns.fetch_add(lat, std::memory_order_relaxed);
  });

  const auto data = payload();
  std::vector<std::unique_ptr<appender_window>> windows;
  for (std::size_t t = 0; t < threads; ++t) windows.push_back(std::make_unique<appender_window>());
  // seqs[t][j]: head of stream t * kStreamsPerThread + j, owned by appender thread t.
  std::vector<std::vector<std::uint64_t>> seqs(threads,
                                               std::vector<std::uint64_t>(kStreamsPerThread, 0));
  std::vector<std::string> names(threads * kStreamsPerThread);
  for (std::size_t i = 0; i < names.size(); ++i) names[i] = stream_name(i);

  auto appender = [&](std::size_t t) {
    auto& w = *windows[t];
    auto& my_seqs = seqs[t];
    auto done = [&w](const append_result& r) {
      std::lock_guard lock{w.m};
      if (!r.st.ok() && w.error.empty()) w.error = r.st.message();
      --w.outstanding;
      w.cv.notify_one();
    };
    for (std::size_t i = 0; i < appends_per_thread; ++i) {
      {
        std::unique_lock lock{w.m};
        w.cv.wait(lock, [&] { return w.outstanding < kWindow; });
        ++w.outstanding;
      }
      const std::size_t j = i % kStreamsPerThread;
      std::vector<envelope> evs;
      evs.reserve(per_append);
      for (std::size_t k = 0; k < per_append; ++k) {
        auto e = make_event(data);
        e.stream = names[t * kStreamsPerThread + j];
        e.seq = ++my_seqs[j];
        evs.push_back(std::move(e));
      }
      if (!writer.append(std::move(evs), append_callback{done}).ok()) std::abort();
    }
    std::unique_lock lock{w.m};
    w.cv.wait(lock, [&] { return w.outstanding == 0; });
  };

  std::vector<std::thread> pool;
  pool.reserve(threads);
  for (auto _ : state) {
    for (std::size_t t = 0; t < threads; ++t) pool.emplace_back(appender, t);
    for (auto& th : pool) th.join();
    pool.clear();
    std::string error;
    for (auto& w : windows)
      if (error.empty()) error = w->error;
    if (!error.empty()) {
      state.SkipWithError(error.c_str());
      break;
    }
  }
  writer.stop();

  const auto events = static_cast<std::int64_t>(threads * appends_per_thread * per_append);
  state.SetItemsProcessed(state.iterations() * events);
  const double b = static_cast<double>(batches.load());
  if (b > 0) {
    state.counters["mean_batch"] = static_cast<double>(batch_events.load()) / b;
    state.counters["batch_write_ms"] = static_cast<double>(write_ns.load()) / b / 1e6;
  }
  if (requests.load() > 0) {
    state.counters["append_lat_ms"] =
        static_cast<double>(latency_ns.load()) / static_cast<double>(requests.load()) / 1e6;
  }
}
// Args: appender threads, events per append, --commit-interval-us (the server's default is 1000).
BENCHMARK(BM_GroupCommit)
    ->Args({1, 1, 0})
    ->Args({4, 1, 0})
    ->Args({16, 1, 0})
    ->Args({64, 1, 0})
    ->Args({16, 1, 1000})
    ->Args({64, 1, 1000})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------------------------------------
// 3. encode() then decode() of one envelope with a 200-byte payload (CPU only).
void BM_EnvelopeEncodeDecode(benchmark::State& state) {
  auto e = make_event(payload());
  e.stream = stream_name(123456);
  e.seq = 42;
  e.position = 1'000'000;
  e.ts = now_ms();
  std::int64_t bytes = 0;
  for (auto _ : state) {
    auto encoded = encode(e);
    benchmark::DoNotOptimize(encoded.data());
    auto decoded = decode(encoded);
    benchmark::DoNotOptimize(decoded);
    if (!decoded) {
      state.SkipWithError("decode failed");
      break;
    }
    bytes += static_cast<std::int64_t>(encoded.size());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(bytes);
  state.counters["encoded_bytes"] = static_cast<double>(encode(e).size());
}
BENCHMARK(BM_EnvelopeEncodeDecode);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
