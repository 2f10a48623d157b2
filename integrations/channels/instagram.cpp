#include "integrations/channels/instagram.hpp"

#include <chrono>

#include "actors/vault.hpp"
#include "integrations/egress.hpp"

namespace sb::integrations {
namespace {
using json = nlohmann::json;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool text_field(const json& b, const char* k, std::size_t min, std::size_t max) {
  return b.contains(k) && b[k].is_string() && b[k].get<std::string>().size() >= min && b[k].get<std::string>().size() <= max;
}

}  // namespace

std::vector<instagram_message> instagram_messages(const json& body) {
  std::vector<instagram_message> out;
  if (!body.is_object() || body.value("object", "") != "instagram" || !body.contains("entry") || !body["entry"].is_array())
    return out;
  for (auto& entry : body["entry"]) {
    if (!entry.is_object() || !entry.contains("messaging") || !entry["messaging"].is_array()) continue;
    for (auto& m : entry["messaging"]) {
      if (!m.is_object() || !m.contains("message") || !m["message"].is_object()) continue;
      auto& msg = m["message"];
      if (msg.value("is_echo", false) || !msg.contains("text") || !msg["text"].is_string()) continue;
      if (!m.contains("sender") || !m["sender"].is_object() || !m["sender"].contains("id")) continue;
      auto& sid = m["sender"]["id"];
      std::string sender = sid.is_string() ? sid.get<std::string>() : sid.is_number_unsigned() ? std::to_string(sid.get<std::uint64_t>()) : "";
      if (sender.empty() || sender.size() > 40 || sender.find_first_not_of("0123456789") != std::string::npos) continue;
      auto mid = msg.value("mid", "");
      if (mid.empty() || mid.size() > 120) continue;
      out.push_back({sender, mid, msg["text"].get<std::string>()});
    }
  }
  return out;
}

std::string instagram_visitor_id(const std::string& workspace_id, const std::string& sender_id) {
  auto ws = workspace_id.rfind("ws_", 0) == 0 ? workspace_id.substr(3) : workspace_id;
  return "vi_ig" + sender_id + "_" + ws;
}

std::optional<std::string> instagram_sender_of(const std::string& visitor_id) {
  if (visitor_id.rfind("vi_ig", 0) != 0) return std::nullopt;
  auto end = visitor_id.find('_', 5);
  auto sender = visitor_id.substr(5, end == std::string::npos ? std::string::npos : end - 5);
  if (sender.empty() || sender.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return sender;
}

instagram_channels::instagram_channels(events::event_log& log, events::group_commit_writer& writer, const vault& secrets)
    : streams_(log, writer, "instagram/"), vault_(secrets) {}

events::status instagram_channels::load() {
  std::unique_lock lock{mutex_};
  return streams_.load([this](const std::string& ws, const std::string&, const json& d) {
    auto& e = by_workspace_[ws];
    apply(e, d);
    if (e.l.app_secret.empty()) return events::status::error("cannot open the Instagram app secret of " + ws + " (another secrets key?)");
    return events::status{};
  });
}

void instagram_channels::apply(entry& e, const json& d) {
  e.l.workspace_id = d.value("workspace_id", e.l.workspace_id);
  e.l.account_id = d.value("account_id", e.l.account_id);
  e.l.site_key = d.value("site_key", e.l.site_key);
  e.l.verify_token = d.value("verify_token", e.l.verify_token);
  e.l.graph_base_url = d.value("graph_base_url", e.l.graph_base_url);
  if (d.contains("app_secret_sealed"))
    if (auto s = vault_.open(d["app_secret_sealed"].get<std::string>())) e.l.app_secret = *s;
  if (d.contains("access_token_sealed"))
    if (auto s = vault_.open(d["access_token_sealed"].get<std::string>())) e.l.access_token = *s;
  e.updated_ts = d.value("ts", std::int64_t{0});
}

json instagram_channels::view(const std::string& workspace_id) const {
  std::shared_lock lock{mutex_};
  auto it = by_workspace_.find(workspace_id);
  if (it == by_workspace_.end() || !it->second.updated_ts) return {{"configured", false}};
  auto& l = it->second.l;
  return {{"configured", true},
          {"account_id", l.account_id},
          {"site_key", l.site_key},
          {"graph_base_url", l.graph_base_url},
          {"webhook_path", "/hooks/instagram/" + workspace_id},
          {"app_secret_set", !l.app_secret.empty()},
          {"access_token_set", !l.access_token.empty()},
          {"updated_ts", it->second.updated_ts}};
}

std::optional<instagram_link> instagram_channels::link(const std::string& workspace_id) const {
  std::shared_lock lock{mutex_};
  auto it = by_workspace_.find(workspace_id);
  if (it == by_workspace_.end() || !it->second.updated_ts) return std::nullopt;
  return it->second.l;
}

bool instagram_channels::linked(const std::string& workspace_id) const {
  std::shared_lock lock{mutex_};
  auto it = by_workspace_.find(workspace_id);
  return it != by_workspace_.end() && it->second.updated_ts;
}

bool instagram_channels::any() const {
  std::shared_lock lock{mutex_};
  return !by_workspace_.empty();
}

void instagram_channels::configure(const std::string& workspace_id, const json& body,
                                   const std::function<bool(const std::string&)>& site_key_ok,
                                   std::function<void(const instagram_result&)> done) {
  auto bad = [&](std::string m) { done({{errc::bad_request, std::move(m)}, {}, 0}); };
  for (auto& [k, v] : body.items())
    if (k != "account_id" && k != "site_key" && k != "verify_token" && k != "app_secret" && k != "access_token" &&
        k != "graph_base_url")
      return bad("unknown field " + k);
  if (!text_field(body, "account_id", 1, 40) ||
      body["account_id"].get<std::string>().find_first_not_of("0123456789") != std::string::npos)
    return bad("account_id must be the Instagram account's numeric id");
  if (!text_field(body, "site_key", 1, 64) || !site_key_ok(body["site_key"].get<std::string>()))
    return bad("site_key must name a widget of this workspace (its bot and queue settings apply)");
  if (!text_field(body, "verify_token", 8, 200)) return bad("verify_token must be 8 to 200 bytes");
  bool first = !link(workspace_id);
  for (auto* k : {"app_secret", "access_token"})
    if (body.contains(k) ? !text_field(body, k, 1, 1000) : first)
      return bad(std::string(k) + " is required (1 to 1000 bytes)");
  std::string graph = "https://graph.facebook.com/v21.0";
  if (body.contains("graph_base_url")) {
    std::string err;
    if (!body["graph_base_url"].is_string() || !parse_url(body["graph_base_url"].get<std::string>(), err))
      return bad("graph_base_url must be an http(s) URL");
    graph = body["graph_base_url"];
  }
  json data{{"workspace_id", workspace_id},
            {"account_id", body["account_id"]},
            {"site_key", body["site_key"]},
            {"verify_token", body["verify_token"]},
            {"graph_base_url", graph},
            {"ts", now_ms()}};
  if (body.contains("app_secret")) data["app_secret_sealed"] = vault_.seal(body["app_secret"].get<std::string>());
  if (body.contains("access_token")) data["access_token_sealed"] = vault_.seal(body["access_token"].get<std::string>());
  streams_.append(workspace_id, "instagram_configured", data, [this, workspace_id, data, done](const failure& f, std::uint64_t pos) {
    if (f.code != errc::ok) return done({f, {}, 0});
    {
      std::unique_lock lock{mutex_};
      apply(by_workspace_[workspace_id], data);
    }
    instagram_result out{{}, view(workspace_id), pos};
    done(out);
  });
}

}  // namespace sb::integrations
