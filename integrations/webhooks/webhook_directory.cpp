#include "integrations/webhooks/webhook_directory.hpp"

#include <algorithm>
#include <chrono>

#include "actors/tokens.hpp"
#include "actors/vault.hpp"
#include "events/group_commit_writer.hpp"
#include "events/log.hpp"
#include "integrations/egress.hpp"

namespace sb::integrations {
namespace {
using json = nlohmann::json;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool known_type(const std::string& t) {
  return std::any_of(std::begin(kWebhookEventTypes), std::end(kWebhookEventTypes), [&](const char* k) { return t == k; });
}

std::string new_secret() { return random_id("whsec_", 32); }

}  // namespace

bool webhook_endpoint::wants(const std::string& type) const {
  return enabled && std::find(events.begin(), events.end(), type) != events.end();
}

webhook_directory::webhook_directory(events::event_log& log, events::group_commit_writer& writer, const vault& secrets)
    : log_(log), writer_(writer), vault_(secrets) {}

events::status webhook_directory::load() {
  std::vector<std::string> streams;
  if (auto st = log_.stream_names("webhook/", streams); !st) return st;
  std::unique_lock lock{mutex_};
  for (auto& stream : streams) {
    std::vector<events::envelope> evs;
    if (auto st = log_.read_whole_stream(stream, evs); !st) return st;
    auto& e = hooks_[stream.substr(8)];
    e.ep.id = stream.substr(8);
    for (auto& ev : evs) {
      auto d = json::parse(ev.data, nullptr, false);
      if (!d.is_object()) return events::status::error("corrupt event in " + stream);
      apply(e, ev.type, d, ev.position);
      e.head = ev.seq;
    }
    if (!e.deleted && e.ep.secret.empty()) return events::status::error("cannot open the secret of " + stream + " (another secrets key?)");
  }
  version_.fetch_add(1, std::memory_order_acq_rel);
  return {};
}

void webhook_directory::apply(entry& e, const std::string& type, const json& d, std::uint64_t position) {
  if (e.ep.workspace_id.empty()) e.ep.workspace_id = d.value("workspace_id", "");
  auto ts = d.value("ts", std::int64_t{0});
  if (type == "webhook_saved") {
    if (!e.created_ts) e.created_ts = ts, e.ep.since_position = position;
    e.updated_ts = ts;
    if (d.contains("url")) e.ep.url = d["url"];
    if (d.contains("events")) e.ep.events = d["events"].get<std::vector<std::string>>();
    if (d.contains("description")) e.description = d["description"];
    if (d.contains("enabled")) e.ep.enabled = d["enabled"];
    if (d.contains("secret_sealed"))
      if (auto s = vault_.open(d["secret_sealed"].get<std::string>())) e.ep.secret = *s;
  } else if (type == "webhook_deleted") {
    e.deleted = true;
    e.updated_ts = ts;
  }
}

json webhook_directory::view(const entry& e) const {
  auto& s = e.ep.secret;
  return {{"id", e.ep.id},
          {"url", e.ep.url},
          {"events", e.ep.events},
          {"description", e.description},
          {"enabled", e.ep.enabled},
          {"secret_hint", s.size() > 4 ? "whsec_..." + s.substr(s.size() - 4) : ""},
          {"created_ts", e.created_ts},
          {"updated_ts", e.updated_ts}};
}

json webhook_directory::list(const std::string& workspace_id) const {
  std::shared_lock lock{mutex_};
  std::vector<const entry*> rows;
  for (auto& [id, e] : hooks_)
    if (e.ep.workspace_id == workspace_id && !e.deleted && e.created_ts) rows.push_back(&e);
  std::sort(rows.begin(), rows.end(), [](auto* a, auto* b) {
    return std::tie(a->created_ts, a->ep.id) > std::tie(b->created_ts, b->ep.id);
  });
  json items = json::array();
  for (auto* e : rows) items.push_back(view(*e));
  return items;
}

std::optional<json> webhook_directory::get(const std::string& workspace_id, const std::string& id) const {
  std::shared_lock lock{mutex_};
  auto it = hooks_.find(id);
  if (it == hooks_.end() || it->second.ep.workspace_id != workspace_id || it->second.deleted || !it->second.created_ts)
    return std::nullopt;
  return view(it->second);
}

std::vector<webhook_endpoint> webhook_directory::endpoints() const {
  std::shared_lock lock{mutex_};
  std::vector<webhook_endpoint> out;
  for (auto& [id, e] : hooks_)
    if (!e.deleted && e.created_ts) out.push_back(e.ep);
  return out;
}

std::optional<webhook_endpoint> webhook_directory::endpoint(const std::string& workspace_id, const std::string& id) const {
  std::shared_lock lock{mutex_};
  auto it = hooks_.find(id);
  if (it == hooks_.end() || it->second.ep.workspace_id != workspace_id || it->second.deleted || !it->second.created_ts)
    return std::nullopt;
  return it->second.ep;
}

bool webhook_directory::check(const json& body, bool creating, json& data, std::string& error) const {
  for (auto& [k, v] : body.items())
    if (k != "url" && k != "events" && k != "description" && k != "enabled")
      return error = "unknown field " + k, false;
  if (creating && !body.contains("url")) return error = "url is required", false;
  if (body.contains("url")) {
    if (!body["url"].is_string()) return error = "url must be a string", false;
    std::string url_error;
    if (!parse_url(body["url"].get<std::string>(), url_error)) return error = "url: " + url_error, false;
    data["url"] = body["url"];
  }
  if (body.contains("events")) {
    auto& ev = body["events"];
    if (!ev.is_array() || ev.empty()) return error = "events must be a non-empty array", false;
    std::vector<std::string> types;
    for (auto& t : ev) {
      if (!t.is_string() || !known_type(t.get<std::string>()))
        return error = "unknown event type " + t.dump() + " (see docs/webhooks.md)", false;
      if (std::find(types.begin(), types.end(), t.get<std::string>()) == types.end()) types.push_back(t);
    }
    data["events"] = types;
  } else if (creating) {
    data["events"] = std::vector<std::string>(std::begin(kWebhookEventTypes), std::end(kWebhookEventTypes));
  }
  if (body.contains("description")) {
    if (!body["description"].is_string() || body["description"].get<std::string>().size() > 200)
      return error = "description must be a string of at most 200 bytes", false;
    data["description"] = body["description"];
  } else if (creating) {
    data["description"] = "";
  }
  if (body.contains("enabled")) {
    if (!body["enabled"].is_boolean()) return error = "enabled must be true or false", false;
    data["enabled"] = body["enabled"];
  } else if (creating) {
    data["enabled"] = true;
  }
  return true;
}

void webhook_directory::append(const std::string& id, std::string type, json data, std::string secret,
                               std::unique_lock<std::shared_mutex>& lock, webhook_callback done) {
  auto& e = hooks_[id];
  data["workspace_id"] = e.ep.workspace_id;
  data["ts"] = now_ms();
  if (!secret.empty()) data["secret_sealed"] = vault_.seal(secret);
  e.busy = true;
  events::envelope env;
  env.type = type;
  env.stream = "webhook/" + id;
  env.seq = ++e.head;
  env.data = data.dump();
  auto refused = writer_.append({std::move(env)}, [this, id, type, data, secret, done](const events::append_result& r) {
    webhook_result out;
    {
      std::unique_lock lock{mutex_};
      auto& e = hooks_[id];
      e.busy = false;
      if (!r.st.ok()) {
        out.error = {errc::unavailable, "storage failed: " + r.st.message()};
        --e.head;
      } else {
        apply(e, type, data, r.last_position);
        out.object = type == "webhook_deleted" ? json{{"id", id}, {"deleted", true}} : view(e);
        if (!secret.empty()) out.object["secret"] = secret;
        out.position = r.last_position;
      }
    }
    version_.fetch_add(1, std::memory_order_acq_rel);
    done(out);
  });
  if (!refused.ok()) {
    --e.head;
    e.busy = false;
    if (!e.created_ts) hooks_.erase(id);
    lock.unlock();
    done({{errc::unavailable, "storage failed: " + refused.message()}, {}, 0});
  }
}

void webhook_directory::create(const std::string& workspace_id, const json& body, webhook_callback done) {
  json data = json::object();
  std::string error;
  if (!check(body, true, data, error)) return done({{errc::bad_request, error}, {}, 0});
  std::unique_lock lock{mutex_};
  std::size_t n = 0;
  for (auto& [id, e] : hooks_) n += e.ep.workspace_id == workspace_id && !e.deleted;
  if (n >= kMaxPerWorkspace) {
    lock.unlock();
    return done({{errc::conflict, "a workspace has at most 10 webhooks"}, {}, 0});
  }
  auto id = random_id("wh_");
  auto& e = hooks_[id];
  e.ep.id = id;
  e.ep.workspace_id = workspace_id;
  append(id, "webhook_saved", std::move(data), new_secret(), lock, std::move(done));
}

bool webhook_directory::writable(const std::string& workspace_id, const std::string& id,
                                 std::unique_lock<std::shared_mutex>& lock, const webhook_callback& done) {
  auto it = hooks_.find(id);
  failure f{errc::ok, {}};
  if (it == hooks_.end() || it->second.ep.workspace_id != workspace_id || it->second.deleted || !it->second.created_ts)
    f = {errc::not_found, "no such webhook"};
  else if (it->second.busy)
    f = {errc::conflict, "another change to this webhook is being saved"};
  if (f.code == errc::ok) return true;
  lock.unlock();
  done({f, {}, 0});
  return false;
}

void webhook_directory::update(const std::string& workspace_id, const std::string& id, const json& body,
                               webhook_callback done) {
  json data = json::object();
  std::string error;
  if (!check(body, false, data, error)) return done({{errc::bad_request, error}, {}, 0});
  std::unique_lock lock{mutex_};
  if (!writable(workspace_id, id, lock, done)) return;
  append(id, "webhook_saved", std::move(data), "", lock, std::move(done));
}

void webhook_directory::rotate_secret(const std::string& workspace_id, const std::string& id, webhook_callback done) {
  std::unique_lock lock{mutex_};
  if (!writable(workspace_id, id, lock, done)) return;
  append(id, "webhook_saved", json::object(), new_secret(), lock, std::move(done));
}

void webhook_directory::remove(const std::string& workspace_id, const std::string& id, webhook_callback done) {
  std::unique_lock lock{mutex_};
  if (!writable(workspace_id, id, lock, done)) return;
  append(id, "webhook_deleted", json::object(), "", lock, std::move(done));
}

}  // namespace sb::integrations
