#include "integrations/channels/channel_replies.hpp"

#include "events/log.hpp"
#include "integrations/channels/instagram.hpp"
#include "integrations/channels/telegram.hpp"

namespace sb::integrations {
namespace {
using json = nlohmann::json;
constexpr std::string_view kConversation = "conversation/";
constexpr std::size_t kInstagramTextMax = 1000;  // characters per Instagram message
constexpr std::size_t kRemembered = 200000;      // conversations the router keeps in memory

// The text a channel shows for a message: its text, then its attachments by name.
std::string shown_text(const json& msg) {
  std::string text = msg.value("text", "");
  if (msg.contains("attachments") && msg["attachments"].is_array())
    for (auto& a : msg["attachments"])
      if (a.is_object()) text += (text.empty() ? "" : "\n") + ("[attachment: " + a.value("name", std::string("file")) + "]");
  return text;
}

// Pieces of at most `max` code points, cut on UTF-8 boundaries.
std::vector<std::string> pieces(const std::string& text, std::size_t max) {
  std::vector<std::string> out;
  std::size_t start = 0, points = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    bool boundary = i == text.size() || (static_cast<unsigned char>(text[i]) & 0xc0) != 0x80;
    if (!boundary) continue;
    if (i == text.size() || points == max) {
      if (i > start) out.push_back(text.substr(start, i - start));
      start = i;
      points = 0;
    }
    ++points;
  }
  return out;
}

}  // namespace

channel_router::channel_router(const instagram_channels& instagram, telegram_channels& telegram,
                               std::function<std::optional<json>(const std::string&)> summary)
    : instagram_(instagram), telegram_(telegram), summary_(std::move(summary)) {}

bool channel_router::wanted() const { return instagram_.any() || telegram_.any(); }

void channel_router::refresh(const std::string& cid, conv& c) {
  auto s = summary_ ? summary_(cid) : std::nullopt;
  if (!s || !s->is_object()) return;
  c.workspace_id = s->value("workspace_id", "");
  c.channel = s->value("channel", "web");
  c.status = s->value("status", "");
  auto v = s->value("visitor", json::object());
  c.visitor_id = v.value("id", "");
  c.visitor_name = v.value("name", "");
  c.stale = false;
}

channel_router::conv* channel_router::find(const std::string& cid) {
  if (auto it = convs_.find(cid); it != convs_.end()) return &it->second;
  if (convs_.size() >= kRemembered) convs_.clear();  // the read model answers again
  auto& c = convs_[cid];
  refresh(cid, c);
  if (c.workspace_id.empty()) {
    convs_.erase(cid);
    return nullptr;
  }
  return &c;
}

std::vector<channel_request> channel_router::route(const events::envelope& e) {
  std::vector<channel_request> out;
  if (e.stream.rfind(kConversation, 0) != 0) return out;
  const bool opened = e.type == "conversation_opened", message = e.type == "message_posted",
             status = e.type == "status_changed";
  if (!opened && !message && !status) return out;
  auto cid = e.stream.substr(kConversation.size());
  if (!opened) {
    // Most events belong to workspaces that linked nothing: answered without parsing them.
    auto* known = find(cid);
    if (!known) return out;
    bool ig = known->channel == "instagram" && instagram_.linked(known->workspace_id);
    if (!ig && !telegram_.linked(known->workspace_id)) {
      known->stale = true;
      return out;
    }
    if (known->stale) refresh(cid, *known);
  }
  auto d = json::parse(e.data, nullptr, false);
  if (!d.is_object()) return out;
  if (opened) {
    if (convs_.size() >= kRemembered) convs_.clear();
    auto& c = convs_[cid];
    auto v = d.value("visitor", json::object());
    c = {d.value("workspace_id", ""), d.value("channel", "web"), "", v.value("id", ""), v.value("name", ""), {}};
    if (c.channel.empty()) c.channel = "web";
    return out;
  }
  auto* c = find(cid);
  if (!c) return out;
  if (status) {
    auto before = c->status;
    c->status = d.value("status", "");
    bool people_before = before == "waiting" || before == "active";
    if (c->status == "closed") c->pending.clear();
    if (c->status == "waiting" && !people_before && !c->pending.empty()) {
      if (auto r = telegram_relay(cid, *c, c->pending, true)) out.push_back(std::move(*r));
      c->pending.clear();
    }
    return out;
  }
  if (d.value("private", false)) return out;  // private notes stay inside
  auto kind = d.contains("sender") && d["sender"].is_object() ? d["sender"].value("kind", "") : "";
  if (kind == "visitor") {
    auto text = shown_text(d);
    if (c->status == "waiting" || c->status == "active") {
      if (auto r = telegram_relay(cid, *c, text, false)) out.push_back(std::move(*r));
    } else {
      // Kept for the "Waiting" relay (a bot's turn, before the queue; a reopening message
      // also comes before its status).
      c->pending = c->pending.empty() ? text : c->pending + "\n" + text;
      if (c->pending.size() > 16000) c->pending.erase(0, c->pending.size() - 16000);
    }
    return out;
  }
  if (c->channel == "instagram" && (kind == "agent" || kind == "bot" || kind == "system")) {
    for (auto& piece : pieces(shown_text(d), kInstagramTextMax)) {
      json m = d;
      m["text"] = piece;
      m.erase("attachments");
      if (auto r = instagram_reply(cid, *c, m)) out.push_back(std::move(*r));
    }
    if (!out.empty() && d.contains("buttons") && d["buttons"].is_array() && !d["buttons"].empty()) {
      json quick = json::array();  // Instagram shows up to 13, titles up to 20 characters
      for (auto& b : d["buttons"]) {
        if (quick.size() == 13 || !b.is_object()) break;
        auto title = pieces(b.value("label", std::string()), 20);
        if (title.empty()) continue;
        quick.push_back({{"content_type", "text"}, {"title", title[0]}, {"payload", b.value("value", title[0])}});
      }
      auto body = json::parse(out.back().req.body);
      body["message"]["quick_replies"] = quick;
      out.back().req.body = body.dump();
    }
  }
  return out;
}

std::optional<channel_request> channel_router::instagram_reply(const std::string& cid, const conv& c, const json& msg) {
  auto link = instagram_.link(c.workspace_id);
  auto recipient = instagram_sender_of(c.visitor_id);
  if (!link || link->access_token.empty() || !recipient) return std::nullopt;
  channel_request r;
  r.lane_key = cid;
  r.what = "instagram reply";
  r.req.method = "POST";
  r.req.url = link->graph_base_url + "/" + link->account_id + "/messages";
  r.req.headers = {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + link->access_token}};
  r.req.body = json{{"recipient", {{"id", *recipient}}},
                    {"messaging_type", "RESPONSE"},
                    {"message", {{"text", msg.value("text", "")}}}}
                   .dump();
  return r;
}

std::optional<channel_request> channel_router::telegram_relay(const std::string& cid, const conv& c, const std::string& text,
                                                              bool notice) {
  auto link = telegram_.link(c.workspace_id);
  if (!link || text.empty()) return std::nullopt;
  channel_request r;
  r.lane_key = cid;
  r.what = "telegram relay";
  r.req.method = "POST";
  r.req.url = link->method_url("sendMessage");
  r.req.headers = {{"Content-Type", "application/json"}};
  r.req.body = json{{"chat_id", link->staff_chat_id},
                    {"text", telegram_relay_text(c.visitor_name, cid, text, notice)},
                    {"disable_web_page_preview", true}}
                   .dump();
  r.delivered = [this, ws = c.workspace_id, cid](const egress_response& res) {
    auto j = json::parse(res.body, nullptr, false);
    if (!j.is_object() || !j.value("ok", false) || !j.contains("result") || !j["result"].is_object() ||
        !j["result"].contains("message_id") || !j["result"]["message_id"].is_number_integer())
      return;
    telegram_.remember(ws, j["result"]["message_id"].get<std::int64_t>(), cid);
  };
  return r;
}

}  // namespace sb::integrations
