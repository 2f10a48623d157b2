#pragma once
// The event envelope: what the log stores for every event, and its on-disk encoding.
// Format (docs/storage.md): every value starts with kEnvelopeFormat; fields are fixed-width
// big-endian integers and length-prefixed strings, so old envelopes stay readable forever.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sb::events {

inline constexpr std::uint8_t kEnvelopeFormat = 1;

struct envelope {
  std::string type;            // past tense, e.g. "message_posted"
  std::uint16_t version = 1;   // version of `data`'s schema for this type
  std::string stream;          // e.g. "conversation/<id>"
  std::uint64_t seq = 0;       // 1, 2, 3, ... within the stream
  std::uint64_t position = 0;  // 1, 2, 3, ... in the global log (0 = not yet written)
  std::int64_t ts = 0;         // milliseconds since the epoch
  std::string data;            // JSON object, schema given by (type, version)
};

std::string encode(const envelope& e);
std::optional<envelope> decode(std::string_view bytes);

}  // namespace sb::events
