// The binary format of the stats fold's saved state: piece keys, hour buckets, and
// stats_fold's encode_piece/restore_piece and serialize/deserialize built on them.
#include "projections/stats_codec.hpp"

#include "projections/stats_fold.hpp"

namespace sb::projections {
namespace {
constexpr std::uint8_t kBucketFormat = 1;
constexpr std::uint8_t kStateFormat = 1;
}  // namespace

// ---- piece keys ----

std::string hour_key(const std::string& ws, std::int64_t hour) {
  std::string k = "h/" + ws;
  k.push_back('\0');
  put_fixed64(k, static_cast<std::uint64_t>(hour) ^ (std::uint64_t{1} << 63));
  return k;
}
std::string conversation_key(const std::string& cid) { return "c/" + cid; }
std::string pair_key(char kind, const std::string& ws, const std::string& id) {
  std::string k{kind, '/'};
  k += ws;
  k.push_back('\0');
  k += id;
  return k;
}

// ---- buckets ----

void encode_bucket(const stats_bucket& b, std::string& out) {
  out.push_back(static_cast<char>(kBucketFormat));
  for (auto v : {b.widget_opens, b.conversations, b.visitor_messages, b.agent_messages,
                 b.bot_messages, b.sessions})
    put_varint(out, v);
  b.visitors.encode(out);
  b.converted.encode(out);
  put_varint(out, b.countries.size());
  for (auto& [c, s] : b.countries) {
    put_string(out, c);
    s.encode(out);
  }
  put_varint(out, b.channels.size());
  for (auto& [c, n] : b.channels) {
    put_string(out, c);
    put_varint(out, n);
  }
  b.first_response.encode(out);
  b.resolution.encode(out);
  put_varint(out, b.agents.size());
  for (auto& [id, a] : b.agents) {
    put_string(out, id);
    put_varint(out, a.conversations);
    put_varint(out, a.messages);
    a.first_response.encode(out);
    a.resolution.encode(out);
  }
}

bool decode_bucket(std::string_view in, stats_bucket& b) {
  std::uint8_t format;
  if (!get_byte(in, format) || format != kBucketFormat) return false;
  for (auto* v : {&b.widget_opens, &b.conversations, &b.visitor_messages, &b.agent_messages,
                  &b.bot_messages, &b.sessions})
    if (!get_varint(in, *v)) return false;
  if (!b.visitors.decode(in) || !b.converted.decode(in)) return false;
  std::uint64_t n;
  std::string name;
  if (!get_varint(in, n)) return false;
  for (std::uint64_t i = 0; i < n; ++i)
    if (!get_string(in, name) || !b.countries[name].decode(in)) return false;
  if (!get_varint(in, n)) return false;
  for (std::uint64_t i = 0; i < n; ++i)
    if (!get_string(in, name) || !get_varint(in, b.channels[name])) return false;
  if (!b.first_response.decode(in) || !b.resolution.decode(in)) return false;
  if (!get_varint(in, n)) return false;
  for (std::uint64_t i = 0; i < n; ++i) {
    if (!get_string(in, name)) return false;
    auto& a = b.agents[name];
    if (!get_varint(in, a.conversations) || !get_varint(in, a.messages) ||
        !a.first_response.decode(in) || !a.resolution.decode(in))
      return false;
  }
  return in.empty();
}

// ---- pieces ----

std::optional<std::string> stats_fold::encode_piece(std::string_view key) const {
  if (key.size() < 2 || key[1] != '/') return std::nullopt;
  auto rest = key.substr(2);
  std::string out;
  if (key[0] == 'h') {
    if (rest.size() < 9) return std::nullopt;
    auto ws = workspaces_.find(std::string(rest.substr(0, rest.size() - 9)));
    std::uint64_t raw;
    auto tail = rest.substr(rest.size() - 8);
    if (ws == workspaces_.end() || !get_fixed64(tail, raw)) return std::nullopt;
    auto& hours = ws->second.levels[0];
    auto b = hours.find(static_cast<std::int64_t>(raw ^ (std::uint64_t{1} << 63)));
    if (b == hours.end()) return std::nullopt;
    encode_bucket(b->second, out);
    return out;
  }
  if (key[0] == 'c') {
    auto c = conversations_.find(std::string(rest));
    if (c == conversations_.end()) return std::nullopt;
    auto& book = c->second;
    put_string(out, book.workspace_id);
    put_string(out, book.visitor_id);
    put_string(out, book.agent_id);
    put_signed(out, book.opened_ts);
    out.push_back(static_cast<char>((book.responded ? 1 : 0) | (book.closed ? 2 : 0)));
    return out;
  }
  auto nul = rest.find('\0');
  if (nul == std::string_view::npos) return std::nullopt;
  auto ws = workspaces_.find(std::string(rest.substr(0, nul)));
  if (ws == workspaces_.end()) return std::nullopt;
  std::string id{rest.substr(nul + 1)};
  if (key[0] == 'v') {
    auto v = ws->second.last_visitor_message.find(id);
    if (v == ws->second.last_visitor_message.end()) return std::nullopt;
    put_signed(out, v->second);
    return out;
  }
  if (key[0] == 'a') {
    auto a = ws->second.agent_names.find(id);
    if (a == ws->second.agent_names.end()) return std::nullopt;
    return a->second;
  }
  return std::nullopt;
}

bool stats_fold::restore_piece(std::string_view key, std::string_view value) {
  if (key.size() < 2 || key[1] != '/') return false;
  auto rest = key.substr(2);
  if (key[0] == 'h') {
    if (rest.size() < 9 || rest[rest.size() - 9] != '\0') return false;
    std::uint64_t raw;
    auto tail = rest.substr(rest.size() - 8);
    if (!get_fixed64(tail, raw)) return false;
    auto hour = static_cast<std::int64_t>(raw ^ (std::uint64_t{1} << 63));
    stats_bucket b;
    if (!decode_bucket(value, b)) return false;
    auto& ws = workspaces_[std::string(rest.substr(0, rest.size() - 9))];
    if (ws.levels[0].contains(hour)) return false;  // a rollup must see each hour once
    for (std::size_t l = 1; l < kLevels; ++l)
      ws.levels[l][floor_div(hour, kLevelHours[l])].merge(b);
    ws.levels[0].emplace(hour, std::move(b));
    return true;
  }
  if (key[0] == 'c') {
    conversation_book book;
    std::uint8_t flags;
    if (!get_string(value, book.workspace_id) || !get_string(value, book.visitor_id) ||
        !get_string(value, book.agent_id) || !get_signed(value, book.opened_ts) ||
        !get_byte(value, flags) || !value.empty() || rest.empty())
      return false;
    book.responded = flags & 1;
    book.closed = flags & 2;
    workspaces_[book.workspace_id];
    conversations_[std::string(rest)] = std::move(book);
    return true;
  }
  auto nul = rest.find('\0');
  if (nul == std::string_view::npos || nul == 0) return false;
  auto& ws = workspaces_[std::string(rest.substr(0, nul))];
  std::string id{rest.substr(nul + 1)};
  if (key[0] == 'v') {
    std::int64_t ts;
    if (!get_signed(value, ts) || !value.empty()) return false;
    ws.last_visitor_message[id] = ts;
    return true;
  }
  if (key[0] == 'a') {
    ws.agent_names[id] = std::string(value);
    return true;
  }
  return false;
}

std::string stats_fold::serialize() const {
  std::string out;
  out.push_back(static_cast<char>(kStateFormat));
  auto piece = [&](const std::string& key) {
    put_string(out, key);
    put_string(out, encode_piece(key).value_or(std::string{}));
  };
  for (auto& [ws_id, ws] : workspaces_) {
    for (auto& [hour, b] : ws.levels[0]) piece(hour_key(ws_id, hour));
    for (auto& [vid, ts] : ws.last_visitor_message) piece(pair_key('v', ws_id, vid));
    for (auto& [id, name] : ws.agent_names) piece(pair_key('a', ws_id, id));
  }
  for (auto& [cid, book] : conversations_) piece(conversation_key(cid));
  return out;
}

bool stats_fold::deserialize(std::string_view in) {
  workspaces_.clear();
  conversations_.clear();
  std::uint8_t format;
  if (!get_byte(in, format) || format != kStateFormat) return false;
  std::string key, value;
  while (!in.empty())
    if (!get_string(in, key) || !get_string(in, value) || !restore_piece(key, value)) return false;
  return true;
}

}  // namespace sb::projections
