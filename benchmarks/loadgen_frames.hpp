#pragma once
// What switchboard_loadgen writes and how it reads what it hears, cheaply: fixed frames and
// paths, the client_msg_id scheme, and two scanners that keep full JSON parses off the hot
// path (the load generator shares the CPU with the server).
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

#include "benchmarks/bench_stats.hpp"

namespace sb::loadgen {

using bench::json;

// Cheap pre-filter so frames we never look at (queue, typing, stats, read, pong, assigned...)
// are not parsed: true when some `"type":"X"` in the text has an X we handle, or when no type
// key is found at all (then the full parse decides). Never false for a frame we handle, since
// JSON string contents cannot contain an unescaped quote.
inline bool frame_may_matter(std::string_view s) {
  static constexpr std::string_view key = "\"type\"";
  bool found = false;
  for (size_t pos = s.find(key); pos != std::string_view::npos; pos = s.find(key, pos + 1)) {
    size_t i = pos + key.size();
    auto skip_ws = [&] {
      while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
    };
    skip_ws();
    if (i >= s.size() || s[i] != ':') continue;
    ++i;
    skip_ws();
    if (i >= s.size() || s[i] != '"') continue;
    ++i;
    size_t end = s.find('"', i);
    if (end == std::string_view::npos) continue;
    found = true;
    std::string_view v = s.substr(i, end - i);
    if (v == "message" || v == "ack" || v == "status" || v == "error" || v == "welcome" ||
        v == "pong")
      return true;
  }
  return !found;
}

inline int64_t json_int(const json& j, const char* key, int64_t fallback = -1) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return fallback;
  return it->get<int64_t>();
}

// Conversation ids are opaque: compare them as strings, whatever JSON type the server uses.
inline std::string json_id(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return {};
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

// The few top-level fields the hot path reads from ack/message/status frames, found by one
// pass over the text instead of building a DOM (the load generator shares the CPU with the
// server, so every microsecond it spends per frame is taken from the server). Strings with
// escapes, non-string ids or anything unexpected make scan() fail and the caller falls back to
// a full parse.
struct hot_fields {
  std::string_view type, client_msg_id, conversation_id;
  int64_t seq = -1;

  bool scan(std::string_view s) {
    size_t i = 0;
    auto ws = [&] {
      while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t')) ++i;
    };
    // A string at s[i] == '"'; sets `out` to its contents, fails on escapes when `plain`.
    auto str = [&](std::string_view* out, bool plain) {
      size_t start = ++i;
      bool escaped = false;
      for (; i < s.size() && s[i] != '"'; ++i)
        if (s[i] == '\\') escaped = true, ++i;
      if (i >= s.size() || (plain && escaped)) return false;
      if (out) *out = s.substr(start, i - start);
      ++i;
      return true;
    };
    // Any value, skipped (nested objects/arrays by depth, strings may hold brackets).
    auto skip = [&] {
      int depth = 0;
      do {
        if (i >= s.size()) return false;
        char c = s[i];
        if (c == '"') {
          if (!str(nullptr, false)) return false;
          continue;
        }
        if (c == '{' || c == '[') ++depth;
        else if (c == '}' || c == ']') {
          if (depth == 0) return true;  // the end of the enclosing object: value ended
          --depth;
        } else if (c == ',' && depth == 0) {
          return true;
        }
        ++i;
      } while (depth > 0 || (i < s.size() && s[i] != ',' && s[i] != '}'));
      return true;
    };
    ws();
    if (i >= s.size() || s[i] != '{') return false;
    ++i;
    for (;;) {
      ws();
      if (i < s.size() && s[i] == '}') return !type.empty();
      std::string_view key;
      if (i >= s.size() || s[i] != '"' || !str(&key, true)) return false;
      ws();
      if (i >= s.size() || s[i] != ':') return false;
      ++i;
      ws();
      std::string_view* target = key == "type"              ? &type
                                 : key == "client_msg_id"   ? &client_msg_id
                                 : key == "conversation_id" ? &conversation_id
                                                            : nullptr;
      if (target) {
        if (i >= s.size() || s[i] != '"' || !str(target, true)) return false;
      } else if (key == "seq") {
        auto [end, ec] = std::from_chars(s.data() + i, s.data() + s.size(), seq);
        if (ec != std::errc{}) return false;
        i = static_cast<size_t>(end - s.data());
      } else if (!skip()) {
        return false;
      }
      ws();
      if (i < s.size() && s[i] == ',') {
        ++i;
        continue;
      }
      if (i < s.size() && s[i] == '}') return !type.empty();
      return false;
    }
  }
};

// GCC 12 coroutine bugs met here: braced json initializers inside a co_await expression do not
// compile ("array used as initializer"), and the controller's run_state& reached its callees as a
// garbage reference (fixed by passing a pointer and hoisting co_await out of the if condition).
// So coroutines build frames and bodies with plain functions (next to their users: the pair
// session's open/subscribe/accept frames, the controller's widget body; bench_client's
// agent_hello_frame) and these named constants, and the controller coroutines take run_state*.
inline const std::string k_sync_id = "lg-sync";
inline const std::string k_sync_ping = R"({"type":"ping","id":"lg-sync"})";
inline const std::string k_welcome = "welcome";
inline const std::string k_agent_target = "/ws/agent";
inline const std::string k_login_path = "/api/v1/auth/login";
inline const std::string k_widgets_path = "/api/v1/widgets";

// client_msg_id = "lg-<pair>-<counter>"
inline std::string make_client_msg_id(int pair, uint64_t counter) {
  return "lg-" + std::to_string(pair) + "-" + std::to_string(counter);
}

inline bool parse_client_msg_id(std::string_view id, int& pair, uint64_t& counter) {
  if (!id.starts_with("lg-")) return false;
  id.remove_prefix(3);
  size_t dash = id.find('-');
  if (dash == std::string_view::npos) return false;
  auto a = std::from_chars(id.data(), id.data() + dash, pair);
  if (a.ec != std::errc() || a.ptr != id.data() + dash) return false;
  auto b = std::from_chars(id.data() + dash + 1, id.data() + id.size(), counter);
  return b.ec == std::errc() && b.ptr == id.data() + id.size();
}

}  // namespace sb::loadgen
