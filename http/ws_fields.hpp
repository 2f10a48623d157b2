// Field readers and the ack frame shared by the two halves of ws_connection (ws_connection.cpp,
// ws_agent.cpp, ws_visitor.cpp). Untrusted frames: every reader says false instead of throwing.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "actors/chat_service.hpp"
#include "actors/json_text.hpp"

namespace sb::http::ws_fields {
using json = nlohmann::json;

// Reads an optional string field; false if present with another type or too long.
inline bool opt_string(const json& f, const char* name, std::string& out, std::size_t max = 256) {
  auto it = f.find(name);
  if (it == f.end() || it->is_null()) return true;
  if (!it->is_string() || it->get_ref<const std::string&>().size() > max) return false;
  out = it->get<std::string>();
  return true;
}

inline bool req_string(const json& f, const char* name, std::string& out, std::size_t max = 256) {
  return f.contains(name) && opt_string(f, name, out, max) && !out.empty();
}

inline bool opt_seq(const json& f, const char* name, std::uint64_t& out) {
  auto it = f.find(name);
  if (it == f.end() || it->is_null()) return true;
  if (!it->is_number_unsigned() && !(it->is_number_integer() && it->get<std::int64_t>() >= 0))
    return false;
  out = it->get<std::uint64_t>();
  return true;
}

// {"type":"ack",...}, written by hand (the hot path).
inline std::string ack_frame(const ack_info& a) {
  std::string out = R"({"type":"ack")";
  json_text::field(out, "client_msg_id", a.client_msg_id);
  json_text::field(out, "conversation_id", a.conversation_id);
  json_text::field(out, "seq", a.seq);
  json_text::field(out, "ts", a.ts);
  out.push_back('}');
  return out;
}

}  // namespace sb::http::ws_fields
