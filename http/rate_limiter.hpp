#pragma once
// rate_limiter: a token bucket per key (an IP, a visitor, a staff token). Thread-safe.
#include <algorithm>
#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

namespace sb::http {

class rate_limiter {
 public:
  // True if `key` may act now (and takes a token): `rate` tokens per `per`, at most `burst`
  // saved up.
  bool allow(const std::string& key, double rate, std::chrono::duration<double> per, double burst) {
    std::lock_guard lock{mutex_};
    auto now = std::chrono::steady_clock::now();
    auto [it, fresh] = buckets_.try_emplace(key, bucket{burst, now});
    auto& b = it->second;
    std::chrono::duration<double> dt = now - b.at;
    b.tokens = std::min(burst, b.tokens + dt.count() * rate / per.count());
    b.at = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    if (buckets_.size() > kMaxKeys) forget_full(now, rate, per, burst);
    return true;
  }

 private:
  static constexpr std::size_t kMaxKeys = 100000;
  struct bucket {
    double tokens;
    std::chrono::steady_clock::time_point at;
  };
  // Bounded memory under a spray of keys: a bucket that has refilled is the same as none.
  void forget_full(std::chrono::steady_clock::time_point now, double rate,
                   std::chrono::duration<double> per, double burst) {
    std::erase_if(buckets_, [&](auto& kv) {
      std::chrono::duration<double> dt = now - kv.second.at;
      return kv.second.tokens + dt.count() * rate / per.count() >= burst;
    });
    if (buckets_.size() > kMaxKeys) buckets_.clear();  // still flooded: start over
  }
  std::mutex mutex_;
  std::unordered_map<std::string, bucket> buckets_;
};

}  // namespace sb::http
