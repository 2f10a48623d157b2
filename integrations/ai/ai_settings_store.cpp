#include "integrations/ai/ai_settings_store.hpp"

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

std::optional<std::string> check(const json& b) {
  for (auto& [k, v] : b.items())
    if (k != "base_url" && k != "model" && k != "system_prompt" && k != "timeout_seconds" && k != "api_key")
      return "unknown field " + k;
  std::string url_error;
  if (!b.contains("base_url") || !b["base_url"].is_string() || !parse_url(b["base_url"].get<std::string>(), url_error))
    return "base_url must be an http(s) URL such as https://api.openai.com/v1" + (url_error.empty() ? "" : ": " + url_error);
  if (!b.contains("model") || !b["model"].is_string() || b["model"].get<std::string>().empty() ||
      b["model"].get<std::string>().size() > 200)
    return "model must be a string of 1 to 200 bytes";
  if (b.contains("system_prompt") && (!b["system_prompt"].is_string() || b["system_prompt"].get<std::string>().size() > 8000))
    return "system_prompt must be a string of at most 8000 bytes";
  if (b.contains("timeout_seconds") && (!b["timeout_seconds"].is_number_integer() || b["timeout_seconds"].get<std::int64_t>() < 5 ||
                                        b["timeout_seconds"].get<std::int64_t>() > 120))
    return "timeout_seconds must be 5 to 120";
  if (b.contains("api_key") && (!b["api_key"].is_string() || b["api_key"].get<std::string>().size() > 500))
    return "api_key must be a string of at most 500 bytes";
  return std::nullopt;
}

}  // namespace

ai_settings_store::ai_settings_store(events::event_log& log, events::group_commit_writer& writer, const vault& secrets)
    : streams_(log, writer, "ai/"), vault_(secrets) {}

events::status ai_settings_store::load() {
  std::unique_lock lock{mutex_};
  return streams_.load([this](const std::string& ws, const std::string&, const json& d) {
    apply(by_workspace_[ws], d);
    return events::status{};
  });
}

void ai_settings_store::apply(entry& e, const json& d) {
  e.s.base_url = d.value("base_url", e.s.base_url);
  e.s.model = d.value("model", e.s.model);
  e.s.system_prompt = d.value("system_prompt", e.s.system_prompt);
  e.s.timeout = std::chrono::seconds(d.value("timeout_seconds", 30));
  if (d.value("api_key_cleared", false)) e.s.api_key.clear();
  if (d.contains("api_key_sealed"))
    if (auto k = vault_.open(d["api_key_sealed"].get<std::string>())) e.s.api_key = *k;
  e.updated_ts = d.value("ts", std::int64_t{0});
}

json ai_settings_store::view_of(const entry* e) const {
  if (!e || !e->updated_ts) return {{"configured", false}};
  auto& k = e->s.api_key;
  return {{"configured", true},
          {"base_url", e->s.base_url},
          {"model", e->s.model},
          {"system_prompt", e->s.system_prompt},
          {"timeout_seconds", std::chrono::duration_cast<std::chrono::seconds>(e->s.timeout).count()},
          {"api_key_set", !k.empty()},
          {"api_key_hint", k.size() > 8 ? "..." + k.substr(k.size() - 4) : ""},
          {"updated_ts", e->updated_ts}};
}

json ai_settings_store::view(const std::string& workspace_id) const {
  std::shared_lock lock{mutex_};
  auto it = by_workspace_.find(workspace_id);
  return view_of(it == by_workspace_.end() ? nullptr : &it->second);
}

std::optional<ai_settings> ai_settings_store::settings(const std::string& workspace_id) const {
  std::shared_lock lock{mutex_};
  auto it = by_workspace_.find(workspace_id);
  if (it == by_workspace_.end() || !it->second.updated_ts) return std::nullopt;
  return it->second.s;
}

void ai_settings_store::configure(const std::string& workspace_id, const json& body,
                                  std::function<void(const ai_settings_result&)> done) {
  if (auto err = check(body)) return done({{errc::bad_request, *err}, {}, 0});
  json data{{"workspace_id", workspace_id},
            {"base_url", body["base_url"]},
            {"model", body["model"]},
            {"system_prompt", body.value("system_prompt", "")},
            {"timeout_seconds", body.value("timeout_seconds", 30)},
            {"ts", now_ms()}};
  if (body.contains("api_key")) {
    auto key = body["api_key"].get<std::string>();
    if (key.empty()) data["api_key_cleared"] = true;
    else data["api_key_sealed"] = vault_.seal(key);
  }
  streams_.append(workspace_id, "ai_configured", data, [this, workspace_id, data, done](const failure& f, std::uint64_t pos) {
    if (f.code != errc::ok) return done({f, {}, 0});
    ai_settings_result out;
    {
      std::unique_lock lock{mutex_};
      auto& e = by_workspace_[workspace_id];
      apply(e, data);
      out.object = view_of(&e);
    }
    out.position = pos;
    done(out);
  });
}

}  // namespace sb::integrations
