#pragma once
// Appends JSON text by hand for the few frames on the hot path (one per message), where
// building an nlohmann::json tree only to dump it cost a dozen allocations. Strings must be
// valid UTF-8 (ours are checked at the edge); they are escaped per RFC 8259.
#include <cstdint>
#include <string>
#include <string_view>

namespace sb::json_text {

inline void append_string(std::string& out, std::string_view s) {
  static const char* hex = "0123456789abcdef";
  out.push_back('"');
  std::size_t run = 0;  // start of the pending run of characters that need no escape
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out.push_back(hex[c >> 4]);
          out.push_back(hex[c & 15]);
        }
    }
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
}

// ,"key":"value"  (or without the comma when first)
inline void field(std::string& out, std::string_view key, std::string_view value, bool first = false) {
  if (!first) out.push_back(',');
  append_string(out, key);
  out.push_back(':');
  append_string(out, value);
}

inline void field(std::string& out, std::string_view key, std::uint64_t value, bool first = false) {
  if (!first) out.push_back(',');
  append_string(out, key);
  out.push_back(':');
  out += std::to_string(value);
}

inline void field(std::string& out, std::string_view key, std::int64_t value, bool first = false) {
  if (!first) out.push_back(',');
  append_string(out, key);
  out.push_back(':');
  out += std::to_string(value);
}

}  // namespace sb::json_text
