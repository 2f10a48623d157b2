#pragma once
// The binary encoding of the stats read model's saved state: compact primitives (varints,
// zigzag, length-prefixed strings, fixed 64-bit), the format of an hour bucket, and the keys of
// the pieces stats_fold saves (the key layout is documented at stats_fold::encode_piece).
// Internal to projections/stats_*: stats_sketch.cpp encodes its sketches with the primitives,
// stats_fold.cpp names the pieces a fold step touched, stats_codec.cpp saves and restores them.
//
// Pure functions on caller-owned values: any thread may call them. The get_* functions consume
// their bytes from the front of `in` and return false when `in` is too short or malformed.
#include <cstdint>
#include <string>
#include <string_view>

namespace sb::projections {

struct stats_bucket;

inline void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}
inline bool get_varint(std::string_view& in, std::uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (in.empty()) return false;
    auto b = static_cast<std::uint8_t>(in.front());
    in.remove_prefix(1);
    v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}
inline void put_signed(std::string& out, std::int64_t v) {
  put_varint(out, (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63));
}
inline bool get_signed(std::string_view& in, std::int64_t& v) {
  std::uint64_t u;
  if (!get_varint(in, u)) return false;
  v = static_cast<std::int64_t>((u >> 1) ^ (~(u & 1) + 1));
  return true;
}
inline void put_string(std::string& out, std::string_view s) {
  put_varint(out, s.size());
  out.append(s);
}
inline bool get_string(std::string_view& in, std::string& s) {
  std::uint64_t n;
  if (!get_varint(in, n) || n > in.size()) return false;
  s.assign(in.substr(0, n));
  in.remove_prefix(n);
  return true;
}
inline void put_fixed64(std::string& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xff));
}
inline bool get_fixed64(std::string_view& in, std::uint64_t& v) {
  if (in.size() < 8) return false;
  v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<std::uint8_t>(in[i]);
  in.remove_prefix(8);
  return true;
}
inline bool get_byte(std::string_view& in, std::uint8_t& b) {
  if (in.empty()) return false;
  b = static_cast<std::uint8_t>(in.front());
  in.remove_prefix(1);
  return true;
}

// An hour bucket as one value: a format byte, then its counters, sketches and histograms.
void encode_bucket(const stats_bucket& b, std::string& out);
// Fills a default-constructed `b`; false if `in` is not exactly one bucket.
bool decode_bucket(std::string_view in, stats_bucket& b);

// Piece keys (without the projection's "stats/" prefix).
std::string hour_key(const std::string& ws, std::int64_t hour);
std::string conversation_key(const std::string& cid);
std::string pair_key(char kind, const std::string& ws, const std::string& id);

}  // namespace sb::projections
