// The workspace's own settings (name, routing mode, default capacity) and its canned replies:
// part of directory (see directory.hpp), folded from the same stream workspace/<id>.
#include <algorithm>
#include <mutex>
#include <regex>

#include "actors/conversation/decide.hpp"
#include "actors/directory.hpp"
#include "actors/tokens.hpp"

namespace sb {
namespace {
using json = nlohmann::json;

const std::regex& shortcut_re() {
  static const std::regex re{R"(^[a-z0-9_-]{1,32}$)"};
  return re;
}

std::optional<failure> check_canned_text(const json& t) {
  if (!t.is_string()) return failure{errc::bad_request, "text must be a string"};
  auto n = conversation::utf8_length(t.get_ref<const std::string&>());
  if (!n || *n == 0) return failure{errc::bad_request, "text must be non-empty UTF-8"};
  if (*n > 4000) return failure{errc::too_large, "text is longer than 4000 characters"};
  return std::nullopt;
}

}  // namespace

void directory::apply_workspace(const std::string& type, const json& d) {
  auto ws = workspaces_.find(d.value("workspace_id", d.value("id", "")));
  if (type == "workspace_created" || type == "workspace_updated") {
    if (ws == workspaces_.end()) return;
    auto& w = ws->second;
    w.name = d.value("name", w.name);
    w.routing = d.value("routing", w.routing);
    w.default_capacity = d.value("default_capacity", w.default_capacity);
    return;
  }
  if (ws == workspaces_.end()) return;
  if (type == "canned_created" || type == "canned_updated")
    ws->second.canned[d.at("id")] = {{"id", d.at("id")}, {"shortcut", d.at("shortcut")}, {"text", d.at("text")}};
  else if (type == "canned_deleted")
    ws->second.canned.erase(d.at("id").get<std::string>());
}

std::optional<json> directory::workspace_settings(const std::string& workspace_id) const {
  std::shared_lock lock{mutex_};
  auto it = workspaces_.find(workspace_id);
  if (it == workspaces_.end()) return std::nullopt;
  auto& w = it->second;
  return json{{"id", w.id}, {"name", w.name}, {"routing", w.routing},
              {"default_capacity", w.default_capacity}};
}

void directory::update_workspace(const std::string& workspace_id, const json& body,
                                 write_callback done) {
  auto current = workspace_settings(workspace_id);
  if (!current) return done({{errc::not_found, "no such workspace"}, {}, 0});
  json next = *current;
  if (body.contains("name")) {
    if (!short_string(body["name"], 200) || body["name"].get_ref<const std::string&>().empty())
      return done({{errc::bad_request, "name must be a string of 1 to 200 bytes"}, {}, 0});
    next["name"] = body["name"];
  }
  if (body.contains("routing")) {
    if (body["routing"] != "manual" && body["routing"] != "auto")
      return done({{errc::bad_request, "routing must be manual or auto"}, {}, 0});
    next["routing"] = body["routing"];
  }
  if (body.contains("default_capacity")) {
    auto& c = body["default_capacity"];
    if (!c.is_number_integer() || c.get<int>() < 1 || c.get<int>() > 100)
      return done({{errc::bad_request, "default_capacity is an integer from 1 to 100"}, {}, 0});
    next["default_capacity"] = c;
  }
  json data = next;
  data["workspace_id"] = workspace_id;
  write(workspace_id, "workspace_updated", data, next, std::move(done));
}

std::vector<json> directory::canned(const std::string& workspace_id) const {
  std::shared_lock lock{mutex_};
  std::vector<json> out;
  if (auto it = workspaces_.find(workspace_id); it != workspaces_.end())
    for (auto& [id, c] : it->second.canned) out.push_back(c);
  std::sort(out.begin(), out.end(), [](const json& a, const json& b) { return a["shortcut"] < b["shortcut"]; });
  return out;
}

void directory::create_canned(const std::string& workspace_id, const json& body, write_callback done) {
  if (!body.contains("shortcut") || !body["shortcut"].is_string() ||
      !std::regex_match(body["shortcut"].get<std::string>(), shortcut_re()))
    return done({{errc::bad_request, "shortcut is 1 to 32 characters of a-z, 0-9, _ and -"}, {}, 0});
  if (auto f = check_canned_text(body.value("text", json{}))) return done({*f, {}, 0});
  json c{{"id", random_id("cn_")}, {"shortcut", body["shortcut"]}, {"text", body["text"]}};
  json data = c;
  data["workspace_id"] = workspace_id;
  std::string shortcut = body["shortcut"];
  write(workspace_id, "canned_created", data, c, std::move(done), [this, workspace_id, shortcut] {
    for (auto& [id, x] : workspaces_.at(workspace_id).canned)
      if (x["shortcut"] == shortcut) return std::optional<failure>{{errc::conflict, "this shortcut is taken"}};
    return std::optional<failure>{};
  });
}

void directory::update_canned(const std::string& workspace_id, const std::string& id,
                              const json& body, write_callback done) {
  std::optional<json> c;
  {
    std::shared_lock lock{mutex_};
    if (auto ws = workspaces_.find(workspace_id); ws != workspaces_.end())
      if (auto it = ws->second.canned.find(id); it != ws->second.canned.end()) c = it->second;
  }
  if (!c) return done({{errc::not_found, "no such canned reply"}, {}, 0});
  if (body.contains("shortcut")) {
    if (!body["shortcut"].is_string() || !std::regex_match(body["shortcut"].get<std::string>(), shortcut_re()))
      return done({{errc::bad_request, "shortcut is 1 to 32 characters of a-z, 0-9, _ and -"}, {}, 0});
    (*c)["shortcut"] = body["shortcut"];
  }
  if (body.contains("text")) {
    if (auto f = check_canned_text(body["text"])) return done({*f, {}, 0});
    (*c)["text"] = body["text"];
  }
  json data = *c;
  data["workspace_id"] = workspace_id;
  std::string shortcut = (*c)["shortcut"];
  write(workspace_id, "canned_updated", data, *c, std::move(done), [this, workspace_id, id, shortcut] {
    auto& all = workspaces_.at(workspace_id).canned;
    if (!all.count(id)) return std::optional<failure>{{errc::not_found, "no such canned reply"}};
    for (auto& [other, x] : all)
      if (other != id && x["shortcut"] == shortcut)
        return std::optional<failure>{{errc::conflict, "this shortcut is taken"}};
    return std::optional<failure>{};
  });
}

void directory::delete_canned(const std::string& workspace_id, const std::string& id, write_callback done) {
  write(workspace_id, "canned_deleted", {{"id", id}, {"workspace_id", workspace_id}},
        {{"id", id}, {"deleted", true}}, std::move(done), [this, workspace_id, id] {
          if (!workspaces_.at(workspace_id).canned.count(id))
            return std::optional<failure>{{errc::not_found, "no such canned reply"}};
          return std::optional<failure>{};
        });
}

}  // namespace sb
