// The fold of the stats read model: what each log event counts, in which hour bucket (and the
// rollups that hold it), and the per-conversation and per-visitor bookkeeping it keeps.
#include "projections/stats_fold.hpp"

#include <algorithm>
#include <exception>
#include <limits>

#include "projections/stats_codec.hpp"

namespace sb::projections {
namespace {
using json = nlohmann::json;

constexpr std::size_t kMaxLabel = 32;  // longest channel kept as given

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
}  // namespace

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

std::optional<stats_change> stats_fold::apply(const events::envelope& e) {
  static const std::string conversation_prefix = "conversation/";
  static const std::string visitor_prefix = "visitor/";
  if (e.version != 1) return std::nullopt;
  bool conversation = e.stream.starts_with(conversation_prefix);
  if (!conversation && !e.stream.starts_with(visitor_prefix)) return std::nullopt;
  // Only these types count; the others (read_marked, bot_state, labels_set, ...: a good share
  // of a busy log) are not even parsed.
  const auto& t = e.type;
  if (conversation ? t != "message_posted" && t != "status_changed" && t != "conversation_opened"
                   : t != "visitor_seen" && t != "widget_opened")
    return std::nullopt;
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

}  // namespace sb::projections
