#include "benchmarks/bench_stats.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <sstream>

namespace sb::bench {

const clock_type::time_point g_epoch = clock_type::now();

double to_ms(int64_t ns) { return std::round(ns / 1000.0) / 1000.0; }

ordered_json latency_summary(std::vector<int64_t> v) {
  ordered_json j;
  if (v.empty()) {
    for (const char* k : {"p50", "p90", "p99", "max"}) j[k] = nullptr;
    j["count"] = 0;
    return j;
  }
  std::sort(v.begin(), v.end());
  auto rank = [&](double p) {
    size_t r = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
    return v[std::clamp<size_t>(r, 1, v.size()) - 1];
  };
  j["p50"] = to_ms(rank(50));
  j["p90"] = to_ms(rank(90));
  j["p99"] = to_ms(rank(99));
  j["max"] = to_ms(v.back());
  j["count"] = v.size();
  return j;
}

double self_cpu_s() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
         ru.ru_stime.tv_usec / 1e6;
}

std::optional<double> process_cpu_us(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  auto close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(close + 2));
  std::string f;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i) {
    if (i == 14) utime = std::stoull(f);
    if (i == 15) stime = std::stoull(f);
  }
  return (utime + stime) * 1e6 / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

std::optional<long> read_rss_kb(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("VmRSS:")) {
      std::istringstream fields(line.substr(6));
      long kb = 0;
      if (fields >> kb) return kb;
    }
  }
  return std::nullopt;
}

void error_log::add(const std::string& kind, const std::string& detail) {
  count_.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard lock(mu_);
  ++by_kind_[kind];
  if (samples_.size() < 8)
    samples_.push_back(kind + ": " +
                       (detail.size() > max_detail_ ? detail.substr(0, max_detail_) : detail));
}

ordered_json error_log::kinds_json() const {
  std::lock_guard lock(mu_);
  ordered_json kinds = ordered_json::object();
  for (auto& [k, n] : by_kind_) kinds[k] = n;
  return kinds;
}

ordered_json error_log::samples_json() const {
  std::lock_guard lock(mu_);
  return samples_;
}

}  // namespace sb::bench
