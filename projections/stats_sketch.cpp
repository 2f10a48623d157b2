#include "projections/stats_sketch.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iterator>
#include <limits>

#include "projections/stats_codec.hpp"

namespace sb::projections {
namespace {

constexpr std::size_t kRegisters = std::size_t{1} << distinct_sketch::kPrecision;
constexpr int kRankBits = 64 - distinct_sketch::kPrecision;  // q in Ertl's paper
constexpr double kBinRatio = 1.02;
constexpr std::uint32_t kMaxBin = 4000;  // 1.02^4000 ms is far beyond any real duration

// Ertl, "New cardinality estimation algorithms for HyperLogLog sketches" (2017), algorithm 6.
double sigma(double x) {
  if (x == 1.0) return std::numeric_limits<double>::infinity();
  double y = 1.0, z = x, previous;
  do {
    x *= x;
    previous = z;
    z += x * y;
    y += y;
  } while (z != previous);
  return z;
}
double tau(double x) {
  if (x == 0.0 || x == 1.0) return 0.0;
  double y = 1.0, z = 1.0 - x, previous;
  do {
    x = std::sqrt(x);
    previous = z;
    y *= 0.5;
    z -= (1.0 - x) * (1.0 - x) * y;
  } while (z != previous);
  return z / 3.0;
}
}  // namespace

// ---- distinct_sketch ----

std::uint64_t distinct_sketch::hash(std::string_view id) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : id) {
    h ^= c;
    h *= 1099511628211ull;
  }
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

void distinct_sketch::add_register(std::uint64_t h) {
  auto index = h >> kRankBits;
  auto rest = h << kPrecision;
  auto rank = static_cast<std::uint8_t>(rest == 0 ? kRankBits + 1 : __builtin_clzll(rest) + 1);
  if (registers_[index] < rank) registers_[index] = rank;
}

void distinct_sketch::to_registers() {
  registers_.assign(kRegisters, 0);
  for (auto h : exact_) add_register(h);
  exact_.clear();
  exact_.shrink_to_fit();
}

void distinct_sketch::add_hash(std::uint64_t h) {
  if (!registers_.empty()) return add_register(h);
  auto it = std::lower_bound(exact_.begin(), exact_.end(), h);
  if (it != exact_.end() && *it == h) return;
  exact_.insert(it, h);
  if (exact_.size() > kExactMax) to_registers();
}

void distinct_sketch::merge(const distinct_sketch& other) {
  if (other.registers_.empty()) {
    if (other.exact_.empty()) return;
    if (!registers_.empty()) {
      for (auto h : other.exact_) add_register(h);
      return;
    }
    std::vector<std::uint64_t> merged;
    merged.reserve(exact_.size() + other.exact_.size());
    std::set_union(exact_.begin(), exact_.end(), other.exact_.begin(), other.exact_.end(),
                   std::back_inserter(merged));
    exact_ = std::move(merged);
    if (exact_.size() > kExactMax) to_registers();
    return;
  }
  if (registers_.empty()) to_registers();
  // A register-wise max, 16 bytes at a time (GCC does not vectorise the plain loop at -O2);
  // reads merge dozens of sketches, so this is most of their cost.
  using bytes16 = std::uint8_t __attribute__((vector_size(16)));
  auto* mine = registers_.data();
  auto* theirs = other.registers_.data();
  for (std::size_t i = 0; i < kRegisters; i += sizeof(bytes16)) {
    bytes16 a, b;
    std::memcpy(&a, mine + i, sizeof a);
    std::memcpy(&b, theirs + i, sizeof b);
    a = a > b ? a : b;
    std::memcpy(mine + i, &a, sizeof a);
  }
}

std::uint64_t distinct_sketch::count() const {
  if (registers_.empty()) return exact_.size();
  // Four partial histograms: most registers hold one of a few values, and a single table
  // would make each increment wait for the previous one to the same counter.
  std::uint32_t partial[4][kRankBits + 2] = {};
  for (std::size_t i = 0; i < kRegisters; i += 4) {
    ++partial[0][registers_[i]];
    ++partial[1][registers_[i + 1]];
    ++partial[2][registers_[i + 2]];
    ++partial[3][registers_[i + 3]];
  }
  std::uint32_t histogram[kRankBits + 2];
  for (int k = 0; k < kRankBits + 2; ++k)
    histogram[k] = partial[0][k] + partial[1][k] + partial[2][k] + partial[3][k];
  const double m = static_cast<double>(kRegisters);
  if (histogram[0] == kRegisters) return 0;
  double z = m * tau(1.0 - histogram[kRankBits + 1] / m);
  for (int k = kRankBits; k >= 1; --k) z = 0.5 * (z + histogram[k]);
  z += m * sigma(histogram[0] / m);
  constexpr double kAlphaInf = 0.721347520444481703680;  // 1 / (2 ln 2)
  return static_cast<std::uint64_t>(std::llround(kAlphaInf * m * m / z));
}

void distinct_sketch::encode(std::string& out) const {
  if (registers_.empty()) {
    out.push_back(0);
    put_varint(out, exact_.size());
    for (auto h : exact_) put_fixed64(out, h);
  } else {
    out.push_back(static_cast<char>(kPrecision));
    out.append(reinterpret_cast<const char*>(registers_.data()), registers_.size());
  }
}

bool distinct_sketch::decode(std::string_view& in) {
  exact_.clear();
  registers_.clear();
  std::uint8_t mode;
  if (!get_byte(in, mode)) return false;
  if (mode == 0) {
    std::uint64_t n;
    if (!get_varint(in, n) || n > kExactMax || n * 8 > in.size()) return false;
    exact_.resize(n);
    for (auto& h : exact_)
      if (!get_fixed64(in, h)) return false;
    return std::is_sorted(exact_.begin(), exact_.end());
  }
  if (mode != kPrecision || in.size() < kRegisters) return false;
  registers_.assign(in.begin(), in.begin() + kRegisters);
  in.remove_prefix(kRegisters);
  return std::all_of(registers_.begin(), registers_.end(),
                     [](std::uint8_t r) { return r <= kRankBits + 1; });
}

// ---- duration_histogram ----

void duration_histogram::add(std::int64_t ms) {
  std::uint32_t index = 0;
  if (ms > 0) {
    auto i = 1.0 + std::floor(std::log(static_cast<double>(ms)) / std::log(kBinRatio));
    index = static_cast<std::uint32_t>(std::min<double>(i, kMaxBin));
  } else {
    ms = 0;
  }
  auto it = std::lower_bound(bins_.begin(), bins_.end(), index,
                             [](const bin& b, std::uint32_t i) { return b.index < i; });
  if (it == bins_.end() || it->index != index) it = bins_.insert(it, bin{index, 0, 0});
  ++it->count;
  it->sum += static_cast<std::uint64_t>(ms);
}

void duration_histogram::merge(const duration_histogram& other) {
  if (other.bins_.empty()) return;
  if (bins_.empty()) {
    bins_ = other.bins_;
    return;
  }
  // Reads merge many buckets into one: once the sum has the bins, add in place.
  bool subset = true;
  for (auto mine = bins_.cbegin(); auto& b : other.bins_) {
    while (mine != bins_.cend() && mine->index < b.index) ++mine;
    if (mine == bins_.cend() || mine->index != b.index) {
      subset = false;
      break;
    }
  }
  if (subset) {
    for (auto mine = bins_.begin(); auto& b : other.bins_) {
      while (mine->index < b.index) ++mine;
      mine->count += b.count;
      mine->sum += b.sum;
    }
    return;
  }
  std::vector<bin> merged;
  merged.reserve(bins_.size() + other.bins_.size());
  auto a = bins_.cbegin();
  auto b = other.bins_.cbegin();
  while (a != bins_.cend() || b != other.bins_.cend()) {
    if (b == other.bins_.cend() || (a != bins_.cend() && a->index < b->index)) {
      merged.push_back(*a++);
    } else if (a == bins_.cend() || b->index < a->index) {
      merged.push_back(*b++);
    } else {
      merged.push_back({a->index, a->count + b->count, a->sum + b->sum});
      ++a;
      ++b;
    }
  }
  bins_ = std::move(merged);
}

std::uint64_t duration_histogram::count() const {
  std::uint64_t n = 0;
  for (auto& b : bins_) n += b.count;
  return n;
}

std::optional<std::int64_t> duration_histogram::percentile(int pct) const {
  auto n = count();
  if (n == 0) return std::nullopt;
  pct = std::clamp(pct, 1, 100);
  auto rank = std::max<std::uint64_t>(1, (static_cast<std::uint64_t>(pct) * n + 99) / 100);
  std::uint64_t seen = 0;
  for (auto& b : bins_) {
    seen += b.count;
    if (seen >= rank)
      return static_cast<std::int64_t>((b.sum + b.count / 2) / b.count);  // the bin's mean
  }
  return std::nullopt;  // unreachable
}

void duration_histogram::encode(std::string& out) const {
  put_varint(out, bins_.size());
  for (auto& b : bins_) {
    put_varint(out, b.index);
    put_varint(out, b.count);
    put_varint(out, b.sum);
  }
}

bool duration_histogram::decode(std::string_view& in) {
  bins_.clear();
  std::uint64_t n;
  if (!get_varint(in, n) || n > kMaxBin + 1) return false;
  for (std::uint64_t i = 0; i < n; ++i) {
    std::uint64_t index, count, sum;
    if (!get_varint(in, index) || !get_varint(in, count) || !get_varint(in, sum)) return false;
    if (index > kMaxBin || count == 0 || (!bins_.empty() && bins_.back().index >= index))
      return false;
    bins_.push_back({static_cast<std::uint32_t>(index), count, sum});
  }
  return true;
}

}  // namespace sb::projections
