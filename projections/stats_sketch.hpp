#pragma once
// The mergeable summaries the stats read model keeps in its buckets: a distinct-count sketch
// (exact, then HyperLogLog) and a log-scale duration histogram. Both are deterministic in what
// they were given, so a rollup that merged its hours equals one that saw their events.
//
// Value types, not thread-safe: one thread at a time may change one; const members may run
// concurrently with each other (stats_fold's reads merge them into their own copies).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sb::projections {

// Distinct count of ids, mergeable: exact (sorted, unique 64-bit hashes) up to kExactMax ids,
// HyperLogLog beyond (2^kPrecision one-byte registers, ~0.8% standard error, Ertl's improved
// estimator, so no bias tables and no switch-over jump).
class distinct_sketch {
 public:
  static constexpr std::size_t kExactMax = 1024;
  static constexpr int kPrecision = 14;

  // A stable 64-bit hash (it is saved): FNV-1a, then the murmur3 finaliser to spread the bits.
  static std::uint64_t hash(std::string_view id);
  void add(std::string_view id) { add_hash(hash(id)); }
  void add_hash(std::uint64_t h);
  void merge(const distinct_sketch& other);
  std::uint64_t count() const;
  bool exact() const { return registers_.empty(); }

  void encode(std::string& out) const;
  bool decode(std::string_view& in);  // consumes its bytes from the front of `in`

 private:
  void to_registers();
  void add_register(std::uint64_t h);
  std::vector<std::uint64_t> exact_;     // while registers_ is empty
  std::vector<std::uint8_t> registers_;  // 2^kPrecision once past kExactMax
};

// Durations in ms in log-scale bins 2% wide, each with its count and sum, mergeable. A
// percentile reports the mean of the bin it falls in: exact when that bin holds equal values,
// otherwise within 2%.
class duration_histogram {
 public:
  void add(std::int64_t ms);  // negative counts as 0
  void merge(const duration_histogram& other);
  std::uint64_t count() const;
  // Nearest rank (pct in 1..100); nullopt when empty.
  std::optional<std::int64_t> percentile(int pct) const;

  void encode(std::string& out) const;
  bool decode(std::string_view& in);

 private:
  struct bin {
    std::uint32_t index;
    std::uint64_t count;
    std::uint64_t sum;
  };
  std::vector<bin> bins_;  // ascending index
};

}  // namespace sb::projections
