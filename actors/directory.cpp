#include "actors/directory.hpp"

#include <algorithm>
#include <future>
#include <mutex>

#include "actors/tokens.hpp"
#include "events/group_commit_writer.hpp"
#include "events/log.hpp"

namespace sb {
namespace {
using json = nlohmann::json;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool plausible_email(const std::string& e) {
  auto at = e.find('@');
  return e.size() <= 254 && at != std::string::npos && at > 0 && at + 1 < e.size() &&
         e.find_first_of(" \t\r\n") == std::string::npos;
}

}  // namespace

json user::public_json() const {
  return {{"id", id},     {"email", email},
          {"name", name}, {"role", role},
          {"workspace_id", workspace_id}, {"capacity", capacity ? json(*capacity) : json(nullptr)}};
}

directory::directory(events::event_log& log, events::group_commit_writer& writer)
    : log_(log), writer_(writer) {}

events::status directory::load() {
  events::status meta_st;
  auto list = log_.get_meta("workspaces", meta_st);
  if (!meta_st) return meta_st;
  if (!list) return {};
  auto ids = json::parse(*list, nullptr, false);
  if (!ids.is_array()) return events::status::error("corrupt meta key 'workspaces'");
  for (auto& id_json : ids) {
    std::string id = id_json.get<std::string>();
    std::vector<events::envelope> evs;
    if (auto st = log_.read_whole_stream("workspace/" + id, evs); !st) return st;
    std::uint64_t after = evs.empty() ? 0 : evs.back().seq;
    std::unique_lock lock{mutex_};
    auto& w = workspaces_[id];
    w.id = id;
    w.head = after;
    for (auto& e : evs) {
      auto data = json::parse(e.data, nullptr, false);
      if (data.is_discarded()) return events::status::error("corrupt event in workspace/" + id);
      try {
        apply(e.type, data);
      } catch (const json::exception& ex) {
        return events::status::error("malformed " + e.type + " in workspace/" + id + ": " + ex.what());
      }
    }
  }
  return {};
}

bool directory::has_workspace() const {
  std::shared_lock lock{mutex_};
  return !workspaces_.empty();
}

events::status directory::bootstrap(const std::string& email, const std::string& password_hash,
                                    const std::string& name) {
  if (user_by_email(email)) return events::status::error("a user with this email exists");
  auto wid = random_id("ws_");
  {
    std::unique_lock lock{mutex_};
    workspaces_[wid].id = wid;
  }
  std::promise<failure> done;
  write(wid, "workspace_created", {{"id", wid}, {"name", name}}, {},
        [&](const write_result& r) { done.set_value(r.error); });
  auto f = done.get_future().get();
  if (f.code != errc::ok) return events::status::error(f.message);
  std::promise<failure> done2;
  json body{{"email", email}, {"name", "Admin"}, {"role", "admin"}};
  create_user(wid, body, password_hash, [&](const write_result& r) { done2.set_value(r.error); });
  f = done2.get_future().get();
  if (f.code != errc::ok) return events::status::error(f.message);
  // Only now is the workspace complete: a crash before this line means a clean first start
  // (or, for a later workspace, one that load() never sees).
  json ids = json::array();
  for (auto& id : workspace_ids())
    if (id != wid) ids.push_back(id);
  ids.push_back(wid);
  return log_.put_meta("workspaces", ids.dump());
}

void directory::apply(const std::string& type, const json& d) {
  if (type == "user_created" || type == "user_updated") {
    user u{d.at("id"), d.at("workspace_id"), d.at("email"), d.at("name"), d.at("role"),
           d.at("password_hash"), std::nullopt};
    if (auto c = d.find("capacity"); c != d.end() && c->is_number_integer()) u.capacity = c->get<int>();
    if (auto it = users_.find(u.id); it != users_.end()) user_emails_.erase(it->second.email);
    user_emails_[u.email] = u.id;
    users_[u.id] = std::move(u);
  } else if (type == "user_deleted") {
    if (auto it = users_.find(d.at("id")); it != users_.end()) {
      user_emails_.erase(it->second.email);
      users_.erase(it);
    }
  } else if (type == "widget_created" || type == "widget_updated") {
    widgets_[d.at("site_key")] = d;
  } else if (type == "widget_deleted") {
    widgets_.erase(d.at("site_key").get<std::string>());
  } else if (type == "token_revoked") {
    revoked_[d.at("token_id")] = d.at("exp");
  } else {
    apply_workspace(type, d);
  }
}

void directory::write(const std::string& workspace_id, std::string type, json data, json answer,
                      write_callback done, precheck check) {
  // Caller holds no lock; seq order must equal append order, so both happen under the lock.
  std::unique_lock lock{mutex_};
  auto it = workspaces_.find(workspace_id);
  if (it == workspaces_.end()) {
    lock.unlock();
    return done({{errc::not_found, "no such workspace"}, {}, 0});
  }
  // Changes to a user or widget must find it still there: a PATCH racing a DELETE must not
  // bring the deleted object back (checked here, under the lock that orders the writes).
  bool gone = false;
  if (type == "user_updated" || type == "user_deleted") gone = !users_.count(data.value("id", ""));
  if (type == "widget_updated" || type == "widget_deleted")
    gone = !widgets_.count(data.value("site_key", ""));
  if (gone || pending_deletes_.count(data.value(type.rfind("user", 0) == 0 ? "id" : "site_key", ""))) {
    lock.unlock();
    return done({{errc::not_found, type.rfind("user", 0) == 0 ? "no such user" : "no such widget"}, {}, 0});
  }
  if (check) {
    if (auto f = check()) {
      lock.unlock();
      return done({*f, {}, 0});
    }
  }
  if (type == "user_deleted") pending_deletes_.insert(data.value("id", ""));
  if (type == "widget_deleted") pending_deletes_.insert(data.value("site_key", ""));
  events::envelope e;
  e.type = type;
  e.stream = "workspace/" + workspace_id;
  e.seq = ++it->second.head;
  e.data = data.dump();
  auto refused = writer_.append({std::move(e)}, [this, type, data,
                                  answer = std::move(answer),
                                  done](const events::append_result& r) {
    write_result out;
    {
      std::unique_lock lock{mutex_};
      if (type == "user_created") pending_emails_.erase(data.value("email", ""));
      if (type == "user_deleted") pending_deletes_.erase(data.value("id", ""));
      if (type == "widget_deleted") pending_deletes_.erase(data.value("site_key", ""));
      if (!r.st.ok()) {
        out.error = {errc::unavailable, "storage failed: " + r.st.message()};
      } else {
        apply(type, data);
        out.object = answer;
        out.position = r.last_position;
      }
    }
    done(out);
  });
  if (!refused.ok()) {
    --it->second.head;
    if (type == "user_created") pending_emails_.erase(data.value("email", ""));
    if (type == "user_deleted") pending_deletes_.erase(data.value("id", ""));
    if (type == "widget_deleted") pending_deletes_.erase(data.value("site_key", ""));
    lock.unlock();
    done({{errc::unavailable, "storage failed: " + refused.message()}, {}, 0});
  }
}

std::optional<user> directory::user_by_email(const std::string& email) const {
  std::shared_lock lock{mutex_};
  auto it = user_emails_.find(lower(email));
  if (it == user_emails_.end()) return std::nullopt;
  return users_.at(it->second);
}

std::optional<user> directory::user_by_id(const std::string& id) const {
  std::shared_lock lock{mutex_};
  auto it = users_.find(id);
  if (it == users_.end()) return std::nullopt;
  return it->second;
}

std::vector<user> directory::users(const std::string& workspace_id) const {
  std::shared_lock lock{mutex_};
  std::vector<user> out;
  for (auto& [id, u] : users_)
    if (u.workspace_id == workspace_id) out.push_back(u);
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.email < b.email; });
  return out;
}

std::optional<json> directory::widget(const std::string& site_key) const {
  std::shared_lock lock{mutex_};
  auto it = widgets_.find(site_key);
  if (it == widgets_.end()) return std::nullopt;
  return it->second;
}

std::vector<json> directory::widgets(const std::string& workspace_id) const {
  std::shared_lock lock{mutex_};
  std::vector<json> out;
  for (auto& [k, w] : widgets_)
    if (w.value("workspace_id", "") == workspace_id) out.push_back(w);
  std::sort(out.begin(), out.end(),
            [](auto& a, auto& b) { return a.value("created_ts", std::int64_t{0}) < b.value("created_ts", std::int64_t{0}); });
  return out;
}

std::vector<std::string> directory::workspace_ids() const {
  std::shared_lock lock{mutex_};
  std::vector<std::string> out;
  for (auto& [id, w] : workspaces_) out.push_back(id);
  return out;
}

bool directory::revoked(const std::string& token_id) const {
  std::shared_lock lock{mutex_};
  return revoked_.count(token_id) != 0;
}

void directory::create_user(const std::string& workspace_id, const json& body,
                            std::string password_hash, write_callback done) {
  if (!body.contains("email") || !body["email"].is_string() ||
      !plausible_email(body["email"].get<std::string>()))
    return done({{errc::bad_request, "email must be an email address"}, {}, 0});
  if (body.contains("name") && !short_string(body["name"], 200))
    return done({{errc::bad_request, "name must be a string of at most 200 bytes"}, {}, 0});
  auto role = body.contains("role") ? body["role"] : json("agent");
  if (role != "agent" && role != "admin")
    return done({{errc::bad_request, "role must be agent or admin"}, {}, 0});
  std::optional<int> capacity;
  if (body.contains("capacity") && !body["capacity"].is_null()) {
    auto& c = body["capacity"];
    if (!c.is_number_integer() || c.get<int>() < 1 || c.get<int>() > 100)
      return done({{errc::bad_request, "capacity is null or an integer from 1 to 100"}, {}, 0});
    capacity = c.get<int>();
  }
  auto email = lower(body["email"].get<std::string>());
  user u{random_id("us_"), workspace_id, email, body.contains("name") ? body["name"].get<std::string>() : email,
         role.get<std::string>(),
         std::move(password_hash), capacity};
  {
    std::unique_lock lock{mutex_};
    if (user_emails_.count(email) || pending_emails_.count(email)) {
      lock.unlock();
      return done({{errc::conflict, "a user with this email exists"}, {}, 0});
    }
    pending_emails_.insert(email);
  }
  json data = u.public_json();
  data["password_hash"] = u.password_hash;
  write(workspace_id, "user_created", data, u.public_json(), std::move(done));
}

void directory::update_user(const std::string& workspace_id, const std::string& id,
                            const json& body, std::optional<std::string> password_hash,
                            write_callback done) {
  auto u = user_by_id(id);
  if (!u || u->workspace_id != workspace_id)
    return done({{errc::not_found, "no such user"}, {}, 0});
  if (body.contains("name")) {
    if (!short_string(body["name"], 200))
      return done({{errc::bad_request, "name must be a string of at most 200 bytes"}, {}, 0});
    u->name = body["name"];
  }
  if (body.contains("role")) {
    if (body["role"] != "agent" && body["role"] != "admin")
      return done({{errc::bad_request, "role must be agent or admin"}, {}, 0});
    u->role = body["role"];
  }
  if (body.contains("capacity")) {
    auto& c = body["capacity"];
    if (!c.is_null() && (!c.is_number_integer() || c.get<int>() < 1 || c.get<int>() > 100))
      return done({{errc::bad_request, "capacity is null or an integer from 1 to 100"}, {}, 0});
    u->capacity = c.is_null() ? std::nullopt : std::optional<int>(c.get<int>());
  }
  if (password_hash) u->password_hash = *password_hash;
  json data = u->public_json();
  data["password_hash"] = u->password_hash;
  write(workspace_id, "user_updated", data, u->public_json(), std::move(done));
}

void directory::delete_user(const std::string& workspace_id, const std::string& id,
                            write_callback done) {
  auto u = user_by_id(id);
  if (!u || u->workspace_id != workspace_id)
    return done({{errc::not_found, "no such user"}, {}, 0});
  write(workspace_id, "user_deleted", {{"id", id}}, {{"id", id}, {"deleted", true}},
        std::move(done));
}

void directory::revoke_token(const std::string& workspace_id, const std::string& token_id,
                             std::int64_t exp, write_callback done) {
  write(workspace_id, "token_revoked", {{"token_id", token_id}, {"exp", exp}}, {},
        std::move(done));
}

}  // namespace sb
