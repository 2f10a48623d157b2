#pragma once
// Key encodings for the RocksDB column families. Integers are big-endian so that
// RocksDB's bytewise order equals numeric order. Stream names never contain '\0'.
#include <cstdint>
#include <string>
#include <string_view>

namespace sb::events::keys {

inline void put_u64(std::string& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

inline std::uint64_t get_u64(std::string_view in) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(in[i]);
  return v;
}

// log column family: position -> envelope
inline std::string position_key(std::uint64_t position) {
  std::string k;
  k.reserve(8);
  put_u64(k, position);
  return k;
}

// streams column family: stream '\0' seq -> position
inline std::string stream_key(std::string_view stream, std::uint64_t seq) {
  std::string k;
  k.reserve(stream.size() + 9);
  k.append(stream);
  k.push_back('\0');
  put_u64(k, seq);
  return k;
}

// Exclusive upper bound of every key of `stream` in the streams column family.
inline std::string stream_upper_bound(std::string_view stream) {
  std::string k(stream);
  k.push_back('\x01');
  return k;
}

}  // namespace sb::events::keys
