// /api/v1/conversations and /queue: the workspace's conversations, their messages and what
// staff do with them.
#include <algorithm>

#include <nlohmann/json.hpp>

#include "actors/chat_service.hpp"
#include "actors/conversation/decide.hpp"
#include "actors/visitors/visitor_directory.hpp"
#include "events/blocking_pool.hpp"
#include "http/api_support.hpp"
#include "http/attachments.hpp"
#include "projections/history_fold.hpp"
#include "projections/history_projection.hpp"

namespace sb::http {
using json = nlohmann::json;
namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

struct list_filter {
  std::string label;
  std::string q;  // lower case prefix of the visitor's name or email
  std::string visitor_id;
  bool any() const { return !label.empty() || !q.empty() || !visitor_id.empty(); }
  bool matches(const json& item) const {
    if (!label.empty()) {
      auto& l = item["labels"];
      if (!l.is_array() || std::find(l.begin(), l.end(), label) == l.end()) return false;
    }
    auto& v = item["visitor"];
    if (!visitor_id.empty() && v.value("id", "") != visitor_id) return false;
    if (!q.empty()) {
      auto name = lower(v.value("name", "")), email = lower(v.value("email", ""));
      if (name.rfind(q, 0) != 0 && email.rfind(q, 0) != 0) return false;
    }
    return true;
  }
};

// The list with filters: pages through the read model's list (newest first), keeping what
// matches. (The list is in memory; a filtered page costs the conversations it skips.)
json filtered_list(app& a, const std::string& ws, const std::string& status, std::size_t limit,
                   std::string cursor, const list_filter& f) {
  if (!f.any()) {
    auto page = a.history.list(ws, status, limit, cursor);
    for (auto& item : page["items"]) with_visitor(a, ws, item);
    return page;
  }
  json items = json::array();
  json next = nullptr;
  for (;;) {
    auto page = a.history.list(ws, status, 200, cursor);
    for (auto& item : page["items"]) {
      with_visitor(a, ws, item);
      if (!f.matches(item)) continue;
      items.push_back(item);
      if (items.size() == limit) {
        next = std::to_string(item["updated_ts"].get<std::int64_t>()) + ":" + item["id"].get<std::string>();
        return {{"items", items}, {"next_cursor", next}};
      }
    }
    if (page["next_cursor"].is_null()) break;
    cursor = page["next_cursor"];
  }
  return {{"items", items}, {"next_cursor", next}};
}

// PUT .../labels {labels: [...]}: each 1-50 characters, at most 20, duplicates dropped.
std::optional<std::vector<std::string>> parse_labels(const json& b, std::string& why) {
  auto it = b.find("labels");
  if (it == b.end() || !it->is_array() || it->size() > 20) {
    why = "labels must be an array of at most 20 strings";
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (auto& l : *it) {
    if (!l.is_string()) return why = "labels are strings", std::nullopt;
    auto n = conversation::utf8_length(l.get_ref<const std::string&>());
    if (!n || *n < 1 || *n > 50) return why = "each label is 1 to 50 characters", std::nullopt;
    if (std::find(out.begin(), out.end(), l.get<std::string>()) == out.end()) out.push_back(l);
  }
  return out;
}

}  // namespace

void handle_conversations(app& a, const staff& s, const api_request& req,
                          const std::vector<std::string>& parts, respond_fn respond) {
  auto q = parse_query(req.query);
  auto ws = s.who.workspace_id;
  if (parts.size() == 3 && req.method == "GET") {
    auto status = q.count("status") ? q["status"] : "";
    if (!status.empty() && status != "bot" && status != "waiting" && status != "active" && status != "closed")
      return respond(error(errc::bad_request, "status is bot, waiting, active or closed"));
    bool ok = true;
    auto limit = uint_param(q, "limit", ok).value_or(50);
    if (!ok || limit == 0 || limit > 200) return respond(error(errc::bad_request, "limit is 1 to 200"));
    auto cursor = q.count("cursor") ? q["cursor"] : "";
    list_filter f{q["label"], lower(q["q"]), q["visitor_id"]};
    return after_min_position(a, q, respond, [&a, ws, status, limit, cursor, f](respond_fn respond) {
      respond(reply(200, filtered_list(a, ws, status, limit, cursor, f)));
    });
  }
  if (parts.size() < 4) return respond(error(errc::not_found, "no such endpoint"));
  auto cid = parts[3];
  if (parts.size() == 4 && req.method == "GET") {
    return after_min_position(a, q, respond, [&a, ws, cid](respond_fn respond) {
      auto sum = a.history.summary(cid);
      if (!sum || (*sum)["workspace_id"] != ws) return respond(error(errc::not_found, "no such conversation"));
      auto view = projections::summary_view(*sum);
      with_visitor(a, ws, view);
      respond(reply(200, view));
    });
  }
  if (parts.size() == 5 && parts[4] == "messages" && req.method == "GET") {
    bool ok = true;
    auto after = uint_param(q, "after_seq", ok);
    auto before = uint_param(q, "before_seq", ok);
    auto limit = uint_param(q, "limit", ok).value_or(50);
    if (!ok || limit == 0 || limit > 200)
      return respond(error(errc::bad_request, "after_seq/before_seq are integers, limit is 1 to 200"));
    if (after && before) return respond(error(errc::bad_request, "give after_seq or before_seq, not both"));
    return after_min_position(a, q, respond, [&a, ws, cid, after, before, limit](respond_fn respond) {
      auto sum = a.history.summary(cid);
      if (!sum || (*sum)["workspace_id"] != ws) return respond(error(errc::not_found, "no such conversation"));
      a.readers.submit([&a, cid, after, before, limit, respond] {
        projections::message_page page;
        if (auto st = a.history.messages(cid, after, before, limit, page); !st)
          return respond(error(errc::internal, "reading history failed"));
        std::string body = "{\"items\":[";
        for (std::size_t i = 0; i < page.frames.size(); ++i) {
          if (i) body.push_back(',');
          body += page.frames[i];
        }
        body += "],\"next_cursor\":";
        if (page.next_after_seq) body += "\"after_seq:" + std::to_string(*page.next_after_seq) + "\"";
        else if (page.next_before_seq) body += "\"before_seq:" + std::to_string(*page.next_before_seq) + "\"";
        else body += "null";
        body += "}";
        respond({200, std::move(body), "application/json", {}});
      });
    });
  }
  auto info_reply = [respond](const failure& f, const conversation_info& info) {
    if (f.code != errc::ok) return respond(error(f));
    auto body = json::parse(info.json);
    body["position"] = info.position;
    respond(reply(200, body));
  };
  if (parts.size() == 5 && parts[4] == "labels" && req.method == "PUT") {
    auto body = object_body(req, respond);
    if (!body) return;
    std::string why;
    auto labels = parse_labels(*body, why);
    if (!labels) return respond(error(errc::bad_request, why));
    return a.chat.set_labels(s.who, cid, std::move(*labels), info_reply);
  }
  if (parts.size() != 5 || req.method != "POST") return respond(error(errc::not_found, "no such endpoint"));
  if (parts[4] == "accept") return a.chat.accept(s.who, cid, info_reply);
  if (parts[4] == "close") return a.chat.close(s.who, cid, info_reply);
  if (parts[4] == "escalate") return a.chat.escalate(s.who, cid, info_reply);
  if (parts[4] == "transfer") {
    auto body = object_body(req, respond);
    if (!body) return;
    auto to = body->value("to_user_id", json{});
    if (!to.is_string() || to.get_ref<const std::string&>().empty() || to.get_ref<const std::string&>().size() > 64)
      return respond(error(errc::bad_request, "transfer needs a string to_user_id"));
    return a.chat.transfer(s.who, s.role == "admin", cid, to, info_reply);
  }
  if (parts[4] == "messages") {
    auto body = object_body(req, respond);
    if (!body) return;
    auto& b = *body;
    if (!b.contains("client_msg_id") || !b["client_msg_id"].is_string() || !b.contains("text") ||
        !b["text"].is_string())
      return respond(error(errc::bad_request, "a message needs string client_msg_id and text"));
    if (b.contains("private") && !b["private"].is_null() && !b["private"].is_boolean())
      return respond(error(errc::bad_request, "private must be a boolean"));
    conversation::post_message m{b["client_msg_id"], b["text"]};
    m.private_note = b.value("private", json(false)) == true;
    auto att = check_attachments(a, s.who, b.value("attachments", json(nullptr)));
    if (!att.ok()) return respond(error(att.error));
    m.attachments = std::move(att.json);
    // The conversation's visitor may read the files before the message reaches it (a private
    // note shares nothing); without attachments this posts at once.
    auto share = m.private_note ? std::vector<std::string>{} : std::move(att.ids);
    return share_with_visitor(a, s.who, cid, share, [&a, who = s.who, cid, m, respond](const failure& sf) {
      if (sf.code != errc::ok) return respond(error(sf));
      a.chat.post(who, cid, m, [respond](const failure& f, const ack_info& ack) {
        if (f.code != errc::ok) return respond(error(f));
        respond(reply(201, {{"conversation_id", ack.conversation_id}, {"seq", ack.seq}, {"ts", ack.ts},
                            {"client_msg_id", ack.client_msg_id}, {"position", ack.position}}));
      });
    });
  }
  respond(error(errc::not_found, "no such endpoint"));
}

void handle_queue(app& a, const staff& s, const api_request& req,
                  const std::vector<std::string>& parts, respond_fn respond) {
  if (parts.size() != 3 || req.method != "GET") return respond(error(errc::not_found, "no such endpoint"));
  a.chat.queue(s.who.workspace_id, [respond](const std::string& text) {
    auto queue = json::parse(text);
    respond(reply(200, {{"items", queue["waiting"]}, {"next_cursor", nullptr}}));
  });
}

}  // namespace sb::http
