#pragma once
// Measurement pieces shared by the load generators (switchboard_loadgen, router_bench); part of
// the sb_bench_client library. No Asio or Beast here, so reports and option code stay cheap to
// compile.
//
//   now_ns, to_time_point, k_sec  the clock: nanoseconds since program start (8 bytes a stamp)
//   to_ms, latency_summary        latency samples (ns) -> {p50,p90,p99,max,count} in ms
//   self_cpu_s                    CPU (user+system) this process used so far
//   process_cpu_us                CPU (utime+stime) of another process, from /proc/<pid>/stat
//   read_rss_kb                   VmRSS of a process, from /proc/<pid>/status
//   error_log                     counts errors by kind and keeps the first few as samples
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace sb::bench {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;
using clock_type = std::chrono::steady_clock;

constexpr int64_t k_sec = 1'000'000'000;

// Program start (set during static initialisation); every timestamp counts from here.
extern const clock_type::time_point g_epoch;

inline int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now() - g_epoch).count();
}
inline clock_type::time_point to_time_point(int64_t ns) {
  return g_epoch + std::chrono::nanoseconds(ns);
}

// Nanoseconds to milliseconds, rounded to the microsecond.
double to_ms(int64_t ns);

// Exact nearest-rank percentiles over every sample (ns), reported in ms:
// {"p50","p90","p99","max","count"}; the four are null when there is no sample.
ordered_json latency_summary(std::vector<int64_t> samples);

// User + system CPU seconds this process has used (getrusage). Near threads x wall time means
// the load generator, not the server, was the bottleneck.
double self_cpu_s();

// utime + stime of process `pid` in microseconds (/proc/<pid>/stat), nullopt when unreadable.
std::optional<double> process_cpu_us(int pid);

// VmRSS of process `pid` in kB (/proc/<pid>/status), nullopt when unreadable.
std::optional<long> read_rss_kb(int pid);

// Errors met during a run: a count, a count per kind and the first 8 "kind: detail" samples
// (detail cut to `max_detail` characters). Thread-safe: add() may be called from any strand.
class error_log {
 public:
  explicit error_log(std::size_t max_detail = std::string::npos) : max_detail_(max_detail) {}

  void add(const std::string& kind, const std::string& detail);

  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  ordered_json kinds_json() const;    // {"kind": n, ...} in kind order
  ordered_json samples_json() const;  // ["kind: detail", ...]

 private:
  const std::size_t max_detail_;
  std::atomic<uint64_t> count_{0};
  mutable std::mutex mu_;
  std::map<std::string, uint64_t> by_kind_;
  std::vector<std::string> samples_;
};

}  // namespace sb::bench
