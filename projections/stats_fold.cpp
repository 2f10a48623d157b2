#include "projections/stats_fold.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <exception>
#include <limits>

#include "projections/time_zone.hpp"

namespace sb::projections {
namespace {
using json = nlohmann::json;

constexpr std::size_t kRegisters = std::size_t{1} << distinct_sketch::kPrecision;
constexpr int kRankBits = 64 - distinct_sketch::kPrecision;  // q in Ertl's paper
constexpr double kBinRatio = 1.02;
constexpr std::uint32_t kMaxBin = 4000;  // 1.02^4000 ms is far beyond any real duration
constexpr std::size_t kMaxLabel = 32;    // longest channel kept as given
constexpr std::uint8_t kBucketFormat = 1;
constexpr std::uint8_t kStateFormat = 1;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  auto q = a / b;
  if (a % b != 0 && ((a < 0) != (b < 0))) --q;
  return q;
}
std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return -floor_div(-a, b); }
std::int64_t hour_of(std::int64_t ts) { return floor_div(ts, kHourMs); }

// ---- compact binary encoding: varints, zigzag, length-prefixed strings, fixed 64-bit ----

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}
bool get_varint(std::string_view& in, std::uint64_t& v) {
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
void put_signed(std::string& out, std::int64_t v) {
  put_varint(out, (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63));
}
bool get_signed(std::string_view& in, std::int64_t& v) {
  std::uint64_t u;
  if (!get_varint(in, u)) return false;
  v = static_cast<std::int64_t>((u >> 1) ^ (~(u & 1) + 1));
  return true;
}
void put_string(std::string& out, std::string_view s) {
  put_varint(out, s.size());
  out.append(s);
}
bool get_string(std::string_view& in, std::string& s) {
  std::uint64_t n;
  if (!get_varint(in, n) || n > in.size()) return false;
  s.assign(in.substr(0, n));
  in.remove_prefix(n);
  return true;
}
void put_fixed64(std::string& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xff));
}
bool get_fixed64(std::string_view& in, std::uint64_t& v) {
  if (in.size() < 8) return false;
  v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<std::uint8_t>(in[i]);
  in.remove_prefix(8);
  return true;
}
bool get_byte(std::string_view& in, std::uint8_t& b) {
  if (in.empty()) return false;
  b = static_cast<std::uint8_t>(in.front());
  in.remove_prefix(1);
  return true;
}

// ---- JSON access that never throws: a wrong type reads as absent ----

std::string str(const json& d, const char* key) {
  auto it = d.find(key);
  return it != d.end() && it->is_string() ? it->get<std::string>() : std::string{};
}
const json& member(const json& d, const char* key) {
  static const json none;
  auto it = d.find(key);
  return it != d.end() ? *it : none;
}
std::optional<std::int64_t> integer(const json& d, const char* key) {
  auto it = d.find(key);
  if (it == d.end()) return std::nullopt;
  if (it->is_number_unsigned()) {
    auto u = it->get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      return std::nullopt;
    return static_cast<std::int64_t>(u);
  }
  if (it->is_number_integer()) return it->get<std::int64_t>();
  return std::nullopt;
}
bool is_true(const json& d, const char* key) {
  auto it = d.find(key);
  return it != d.end() && it->is_boolean() && it->get<bool>();
}

std::string country_label(std::string c) {
  if (c.empty() || c.size() > 8) return "unknown";
  for (auto& ch : c)
    if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
  return c == "UNKNOWN" ? "unknown" : c;
}
std::string channel_label(std::string c) {
  if (c.empty()) return "web";
  if (c.size() > kMaxLabel) c.resize(kMaxLabel);
  return c;
}

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

json percentiles(const duration_histogram& h, std::initializer_list<int> pcts) {
  json out = json::object();
  for (int p : pcts) {
    auto v = h.percentile(p);
    out["p" + std::to_string(p)] = v ? json(*v) : json(nullptr);
  }
  return out;
}

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

// ---- buckets ----

void agent_stats::merge(const agent_stats& other) {
  conversations += other.conversations;
  messages += other.messages;
  first_response.merge(other.first_response);
  resolution.merge(other.resolution);
}

void stats_bucket::merge(const stats_bucket& other) {
  widget_opens += other.widget_opens;
  conversations += other.conversations;
  visitor_messages += other.visitor_messages;
  agent_messages += other.agent_messages;
  bot_messages += other.bot_messages;
  sessions += other.sessions;
  visitors.merge(other.visitors);
  converted.merge(other.converted);
  for (auto& [c, s] : other.countries) countries[c].merge(s);
  for (auto& [c, n] : other.channels) channels[c] += n;
  first_response.merge(other.first_response);
  resolution.merge(other.resolution);
  for (auto& [id, a] : other.agents) agents[id].merge(a);
}

// ---- the fold ----

template <typename F>
void stats_fold::touch(workspace_stats& ws, std::int64_t ts, F&& f) {
  // Every change goes to the hour and to each rollup holding it alike, so a rollup always
  // equals the merge of its hours (sketches and histograms are deterministic in what they
  // were given).
  auto hour = hour_of(ts);
  for (std::size_t l = 0; l < kLevels; ++l) f(ws.levels[l][floor_div(hour, kLevelHours[l])]);
}

template <typename F>
void stats_fold::visit(const workspace_stats& ws, std::int64_t first_hour, std::int64_t end_hour,
                       F&& f, std::size_t level) const {
  if (end_hour <= first_hour) return;
  auto span = kLevelHours[level];
  auto first = ceil_div(first_hour, span);
  auto end = floor_div(end_hour, span);
  if (level > 0 && first >= end) return visit(ws, first_hour, end_hour, f, level - 1);
  if (level > 0) visit(ws, first_hour, first * span, f, level - 1);
  auto& blocks = ws.levels[level];
  for (auto it = blocks.lower_bound(first); it != blocks.end() && it->first < end; ++it)
    f(it->second);
  if (level > 0) visit(ws, end * span, end_hour, f, level - 1);
}

std::optional<stats_change> stats_fold::apply(const events::envelope& e) {
  static const std::string conversation_prefix = "conversation/";
  static const std::string visitor_prefix = "visitor/";
  if (e.version != 1) return std::nullopt;
  bool conversation = e.stream.starts_with(conversation_prefix);
  if (!conversation && !e.stream.starts_with(visitor_prefix)) return std::nullopt;
  try {
    auto d = json::parse(e.data, nullptr, false);
    if (!d.is_object()) return std::nullopt;
    if (conversation) return apply_conversation(e.stream.substr(conversation_prefix.size()), e, d);
    return apply_visitor(e.stream.substr(visitor_prefix.size()), e, d);
  } catch (const std::exception&) {
    return std::nullopt;  // e.g. out of memory; a read model never takes the server down
  }
}

std::optional<stats_change> stats_fold::apply_conversation(const std::string& cid,
                                                           const events::envelope& e,
                                                           const json& d) {
  if (cid.empty()) return std::nullopt;
  auto ts = integer(d, "ts").value_or(e.ts);
  stats_change change;
  if (e.type == "conversation_opened") {
    auto ws_id = str(d, "workspace_id");
    if (ws_id.empty() || ws_id.find('\0') != std::string::npos) return std::nullopt;
    if (conversations_.contains(cid)) return std::nullopt;  // opened once
    auto& visitor = member(d, "visitor");
    auto vid = visitor.is_object() ? str(visitor, "id") : std::string{};
    auto channel = channel_label(str(d, "channel"));
    conversations_[cid] = {ws_id, vid, "", ts, false, false};
    auto& ws = workspaces_[ws_id];
    auto h = distinct_sketch::hash(vid);
    touch(ws, ts, [&](stats_bucket& b) {
      ++b.conversations;
      ++b.channels[channel];
      if (!vid.empty()) b.converted.add_hash(h);
    });
    change.pieces = {conversation_key(cid), hour_key(ws_id, hour_of(ts))};
    return change;
  }
  auto book_it = conversations_.find(cid);
  if (book_it == conversations_.end()) return std::nullopt;  // nothing to attach it to
  auto& book = book_it->second;
  auto& ws = workspaces_[book.workspace_id];
  auto remember_name = [&](const std::string& id, const std::string& name) {
    if (id.empty() || name.empty()) return;
    auto& known = ws.agent_names[id];
    if (known == name) return;
    known = name;
    change.pieces.push_back(pair_key('a', book.workspace_id, id));
  };
  if (e.type == "message_posted") {
    auto& sender = member(d, "sender");
    if (!sender.is_object() || is_true(d, "private")) return std::nullopt;
    auto kind = str(sender, "kind");
    auto sender_id = str(sender, "id");
    change.pieces.push_back(hour_key(book.workspace_id, hour_of(ts)));
    if (kind == "visitor") {
      auto vid = book.visitor_id.empty() ? sender_id : book.visitor_id;
      bool starts = true;
      if (!vid.empty()) {
        auto [last, fresh] = ws.last_visitor_message.try_emplace(vid, ts);
        starts = fresh || ts - last->second >= kSessionGapMs;
        last->second = std::max(last->second, ts);  // a late ts never moves a session back
        change.pieces.push_back(pair_key('v', book.workspace_id, vid));
      }
      touch(ws, ts, [&](stats_bucket& b) {
        ++b.visitor_messages;
        if (starts) ++b.sessions;
      });
    } else if (kind == "agent" || kind == "bot") {
      bool agent = kind == "agent";
      std::optional<std::int64_t> response;
      if (!book.responded) {
        book.responded = true;
        response = std::max<std::int64_t>(0, ts - book.opened_ts);
        change.pieces.push_back(conversation_key(cid));
      }
      touch(ws, ts, [&](stats_bucket& b) {
        ++(agent ? b.agent_messages : b.bot_messages);
        if (response) b.first_response.add(*response);
        if (agent && !sender_id.empty()) {
          auto& a = b.agents[sender_id];
          ++a.messages;
          if (response) a.first_response.add(*response);
        }
      });
      if (agent) remember_name(sender_id, str(sender, "name"));
    } else {
      return std::nullopt;  // system messages count nowhere
    }
    return change;
  }
  if (e.type == "status_changed") {
    auto status = str(d, "status");
    auto& agent = member(d, "agent");
    auto agent_id = agent.is_object() ? str(agent, "id") : std::string{};
    if (status == "active" && !agent_id.empty()) {
      // Assigned: counts for the agent once, however often it goes back and forth to them.
      if (book.agent_id != agent_id) {
        book.agent_id = agent_id;
        touch(ws, ts, [&](stats_bucket& b) { ++b.agents[agent_id].conversations; });
        change.pieces.push_back(conversation_key(cid));
        change.pieces.push_back(hour_key(book.workspace_id, hour_of(ts)));
      }
      remember_name(agent_id, str(agent, "name"));
    } else if (status == "closed" && !book.closed) {
      book.closed = true;
      auto resolution = std::max<std::int64_t>(0, ts - book.opened_ts);
      auto owner = book.agent_id.empty() ? agent_id : book.agent_id;
      touch(ws, ts, [&](stats_bucket& b) {
        b.resolution.add(resolution);
        if (!owner.empty()) b.agents[owner].resolution.add(resolution);
      });
      change.pieces.push_back(conversation_key(cid));
      change.pieces.push_back(hour_key(book.workspace_id, hour_of(ts)));
    }
    if (change.pieces.empty()) return std::nullopt;
    return change;
  }
  return std::nullopt;  // labels_set, read_marked, ...
}

std::optional<stats_change> stats_fold::apply_visitor(const std::string& vid,
                                                      const events::envelope& e, const json& d) {
  auto ws_id = str(d, "workspace_id");
  if (vid.empty() || ws_id.empty() || ws_id.find('\0') != std::string::npos) return std::nullopt;
  auto ts = integer(d, "ts").value_or(e.ts);
  if (e.type == "visitor_seen") {
    auto country = country_label(str(d, "country"));
    auto h = distinct_sketch::hash(vid);
    touch(workspaces_[ws_id], ts, [&](stats_bucket& b) {
      b.visitors.add_hash(h);
      b.countries[country].add_hash(h);
    });
  } else if (e.type == "widget_opened") {
    touch(workspaces_[ws_id], ts, [&](stats_bucket& b) { ++b.widget_opens; });
  } else {
    return std::nullopt;  // visitor_identified, ...
  }
  return stats_change{{hour_key(ws_id, hour_of(ts))}};
}

// ---- reads ----

json stats_fold::overview(const std::string& workspace_id, std::int64_t from_ms, std::int64_t to_ms,
                          const std::string& tz, std::uint64_t online_visitors,
                          std::int64_t now_ms) const {
  stats_bucket sum;
  std::uint64_t today = 0;
  if (auto it = workspaces_.find(workspace_id); it != workspaces_.end()) {
    auto& ws = it->second;
    visit(ws, hour_of(from_ms), ceil_div(to_ms, kHourMs), [&](const stats_bucket& b) {
      sum.widget_opens += b.widget_opens;
      sum.conversations += b.conversations;
      sum.visitor_messages += b.visitor_messages;
      sum.agent_messages += b.agent_messages;
      sum.bot_messages += b.bot_messages;
      sum.sessions += b.sessions;
      sum.visitors.merge(b.visitors);
      sum.converted.merge(b.converted);
      for (auto& [c, s] : b.countries) sum.countries[c].merge(s);
      for (auto& [c, n] : b.channels) sum.channels[c] += n;
      sum.first_response.merge(b.first_response);
      sum.resolution.merge(b.resolution);
    });
    // For a :30/:45 zone the local midnight falls inside an hour bucket: the day starts with
    // that whole bucket (as the day buckets of timeseries() do).
    distinct_sketch since_midnight;
    auto midnight = local_day_ms(tz, now_ms).first;
    visit(ws, hour_of(midnight), hour_of(now_ms) + 1,
          [&](const stats_bucket& b) { since_midnight.merge(b.visitors); });
    today = since_midnight.count();
  }
  auto visitors = sum.visitors.count();
  auto converted = sum.converted.count();
  double conversion =
      visitors == 0 ? 0.0 : std::min(1.0, static_cast<double>(converted) / visitors);
  json by_channel = json::object();
  for (auto& [c, n] : sum.channels) by_channel[c] = n;
  json by_country = json::object();
  for (auto& [c, s] : sum.countries) by_country[c] = s.count();
  return {{"visitors", visitors},
          {"visitors_today", today},
          {"online_visitors", online_visitors},
          {"widget_opens", sum.widget_opens},
          {"conversations", sum.conversations},
          {"messages",
           {{"visitor", sum.visitor_messages},
            {"agent", sum.agent_messages},
            {"bot", sum.bot_messages}}},
          {"sessions", sum.sessions},
          {"conversion_rate", conversion},
          {"first_response_ms", percentiles(sum.first_response, {50, 90})},
          {"resolution_ms", percentiles(sum.resolution, {50, 90})},
          {"by_channel", by_channel},
          {"by_country", by_country}};
}

json stats_fold::timeseries(const std::string& workspace_id, const std::string& metric,
                            const std::string& bucket, std::int64_t from_ms, std::int64_t to_ms,
                            const std::string& tz) const {
  const workspace_stats* ws = nullptr;
  if (auto it = workspaces_.find(workspace_id); it != workspaces_.end()) ws = &it->second;
  // The value of `metric` over hours [first, end).
  auto value = [&](std::int64_t first_hour, std::int64_t end_hour) -> std::uint64_t {
    if (!ws) return 0;
    std::uint64_t n = 0;
    distinct_sketch distinct;
    visit(*ws, first_hour, end_hour, [&](const stats_bucket& b) {
      if (metric == "messages")
        n += b.visitor_messages + b.agent_messages + b.bot_messages;
      else if (metric == "conversations")
        n += b.conversations;
      else if (metric == "widget_opens")
        n += b.widget_opens;
      else if (metric == "visitors")
        distinct.merge(b.visitors);
    });
    return metric == "visitors" ? distinct.count() : n;
  };
  json items = json::array();
  if (bucket == "day") {
    // A local day is the hour buckets from the one holding its local midnight to the one
    // holding the next. For whole-hour zones that is exact, DST days included (23 or 25
    // hours). For :30/:45 zones (Asia/Kolkata, Asia/Kathmandu) the day boundary is rounded
    // down to the containing hour: a Kolkata day (midnight = 18:30 UTC) covers 18:00-18:00
    // UTC, so 18:00-18:30 UTC (23:30-24:00 local) counts in the next day. ts stays the exact
    // local midnight.
    auto day = local_day_ms(tz, from_ms);
    while (day.first < to_ms && items.size() < kTimeseriesMaxItems) {
      items.push_back(
          {{"ts", day.first}, {"value", value(hour_of(day.first), hour_of(day.second))}});
      auto next = local_day_ms(tz, day.second);
      if (next.first <= day.first) break;  // never loop on a broken zone
      day = next;
    }
  } else {
    for (auto h = hour_of(from_ms); h * kHourMs < to_ms && items.size() < kTimeseriesMaxItems; ++h)
      items.push_back({{"ts", h * kHourMs}, {"value", value(h, h + 1)}});
  }
  return {{"metric", metric}, {"bucket", bucket == "day" ? "day" : "hour"}, {"items", items}};
}

json stats_fold::agents(const std::string& workspace_id, std::int64_t from_ms,
                        std::int64_t to_ms) const {
  json items = json::array();
  auto it = workspaces_.find(workspace_id);
  if (it == workspaces_.end()) return {{"items", items}};
  auto& ws = it->second;
  std::map<std::string, agent_stats, std::less<>> sum;
  visit(ws, hour_of(from_ms), ceil_div(to_ms, kHourMs), [&](const stats_bucket& b) {
    for (auto& [id, a] : b.agents) sum[id].merge(a);
  });
  std::vector<std::pair<const std::string*, const agent_stats*>> rows;
  for (auto& [id, a] : sum) rows.emplace_back(&id, &a);
  std::stable_sort(rows.begin(), rows.end(), [](auto& x, auto& y) {
    if (x.second->conversations != y.second->conversations)
      return x.second->conversations > y.second->conversations;
    return x.second->messages > y.second->messages;
  });
  for (auto& [id, a] : rows) {
    auto name = ws.agent_names.find(*id);
    items.push_back({{"user_id", *id},
                     {"name", name != ws.agent_names.end() ? name->second : std::string{}},
                     {"conversations", a->conversations},
                     {"messages", a->messages},
                     {"first_response_ms", percentiles(a->first_response, {50})},
                     {"resolution_ms", percentiles(a->resolution, {50})}});
  }
  return {{"items", items}};
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
