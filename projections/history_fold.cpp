#include "projections/history_fold.hpp"

namespace sb::projections {
using json = nlohmann::json;

std::string conversation_of(const std::string& stream) {
  static const std::string prefix = "conversation/";
  if (stream.compare(0, prefix.size(), prefix) != 0) return {};
  return stream.substr(prefix.size());
}

std::optional<history_change> fold_history(json& s, const events::envelope& e) {
  auto cid = conversation_of(e.stream);
  if (cid.empty() || e.version != 1) return std::nullopt;
  const auto& t = e.type;  // bot_state and the like change no summary: not even parsed
  if (t != "message_posted" && t != "status_changed" && t != "read_marked" && t != "conversation_opened" &&
      t != "labels_set")
    return std::nullopt;
  auto d = json::parse(e.data, nullptr, false);
  if (!d.is_object()) return std::nullopt;
  history_change c{cid, true, std::nullopt};
  if (e.type == "conversation_opened") {
    s = {{"id", cid},
         {"workspace_id", d.value("workspace_id", "")},
         {"site_key", d.value("site_key", "")},
         {"channel", d.value("channel", "web")},
         {"visitor", d.value("visitor", json::object())},
         {"status", "waiting"},
         {"agent", nullptr},
         {"last_message", nullptr},
         {"unread", 0},
         {"unread_seqs", json::array()},
         {"staff_read_seq", 0},
         {"last_seq", 0},
         {"created_ts", d.value("ts", std::int64_t{0})},
         {"updated_ts", d.value("ts", std::int64_t{0})}};
  } else if (s.is_null() || s.empty()) {
    return std::nullopt;  // an event before its opening: nothing to attach it to
  } else if (e.type == "message_posted") {
    auto seq = d.value("seq", std::uint64_t{0});
    s["last_seq"] = seq;
    s["updated_ts"] = d.value("ts", std::int64_t{0});
    s["last_message"] = {{"seq", seq},
                         {"text", d.value("text", "")},
                         {"sender", d.value("sender", json::object())},
                         {"ts", d.value("ts", std::int64_t{0})}};
    auto kind = d["sender"].value("kind", "");
    bool note = d.value("private", false);
    if (kind == "visitor") {
      s["last_visitor_text"] = d.value("text", "").substr(0, 200);
      // Count every unread message; remember only the newest seqs, so a summary stays small.
      s["unread"] = s.value("unread", std::uint64_t{0}) + 1;
      auto& seqs = s["unread_seqs"];
      seqs.push_back(seq);
      if (seqs.size() > kUnreadSeqsKept) seqs.erase(seqs.begin());
    } else if (kind == "agent" && !note) {  // staff replied: they have read it all (not a
                                            // private note, nor a bot's or the system's message)
      s["unread"] = 0;
      s["unread_seqs"] = json::array();
    }
    // The stored data is the frame without its type: no JSON work to build the frame.
    std::string frame = R"({"type":"message",)";
    frame.append(e.data, 1);
    c.message = {seq, std::move(frame)};
  } else if (e.type == "status_changed") {
    s["last_seq"] = d.value("seq", std::uint64_t{0});
    s["updated_ts"] = d.value("ts", std::int64_t{0});
    auto status = d.value("status", "");
    s["status"] = status;
    if (status == "active" || status == "waiting") s["agent"] = d.value("agent", json{});
    if (status == "waiting") {
      // The router's order: a new arrival's key is this event's position (see router.hpp).
      s["queue_key"] = d.value("queue_key", static_cast<std::int64_t>(e.position));
      s["waiting_since"] = d.value("ts", std::int64_t{0});
    }
  } else if (e.type == "labels_set") {
    s["labels"] = d.value("labels", json::array());
  } else if (e.type == "read_marked") {
    auto seq = d.value("seq", std::uint64_t{0});
    if (d["reader"].value("kind", "") != "visitor") {
      s["staff_read_seq"] = std::max(s.value("staff_read_seq", std::uint64_t{0}), seq);
      auto unread = s.value("unread", std::uint64_t{0});
      auto& seqs = s["unread_seqs"];
      bool truncated = unread > seqs.size();
      json left = json::array();
      for (auto& u : seqs)
        if (u.get<std::uint64_t>() > seq) left.push_back(u);
      auto removed = seqs.size() - left.size();
      // Older, forgotten seqs are below every kept one: read too if any kept one was read.
      if (!truncated || removed > 0) unread = truncated ? left.size() : unread - removed;
      s["unread"] = unread;
      seqs = std::move(left);
    }
  } else {
    return std::nullopt;
  }
  return c;
}

json summary_view(const json& s) {
  json agent = s.value("agent", json{});
  return {{"id", s["id"]},
          {"status", s["status"]},
          {"visitor", s["visitor"]},
          {"agent", agent.is_object() ? json{{"id", agent.value("id", "")},
                                             {"name", agent.value("name", "")}}
                                      : json(nullptr)},
          {"last_message", s["last_message"]},
          {"unread", s.value("unread", std::uint64_t{0})},
          {"last_seq", s["last_seq"]},
          {"labels", s.value("labels", json::array())},
          {"site_key", s["site_key"]},
          {"channel", s.value("channel", "web")},
          {"created_ts", s["created_ts"]},
          {"updated_ts", s["updated_ts"]}};
}

}  // namespace sb::projections
