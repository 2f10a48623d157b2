#include "actors/bots/flow_directory.hpp"

#include <algorithm>
#include <chrono>

#include "actors/tokens.hpp"
#include "events/group_commit_writer.hpp"
#include "events/log.hpp"

namespace sb::bots {
namespace {
using json = nlohmann::json;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

constexpr std::size_t kMaxDefinitionBytes = 256 * 1024;

}  // namespace

flow_directory::flow_directory(events::event_log& log, events::group_commit_writer& writer)
    : log_(log), writer_(writer) {}

events::status flow_directory::load() {
  std::vector<std::string> streams;
  if (auto st = log_.stream_names("flow/", streams); !st) return st;
  std::unique_lock lock{mutex_};
  for (auto& stream : streams) {
    std::vector<events::envelope> evs;
    if (auto st = log_.read_whole_stream(stream, evs); !st) return st;
    auto& e = flows_[stream.substr(5)];
    for (auto& ev : evs) {
      auto d = json::parse(ev.data, nullptr, false);
      if (!d.is_object()) return events::status::error("corrupt event in " + stream);
      apply(e, ev.type, d);
      e.head = ev.seq;
    }
    e.next_version = e.versions.empty() ? 1 : e.versions.back().version + 1;
  }
  return {};
}

void flow_directory::apply(entry& e, const std::string& type, const json& d) {
  if (e.workspace_id.empty()) e.workspace_id = d.value("workspace_id", "");
  auto ts = d.value("ts", std::int64_t{0});
  if (type == "flow_saved") {
    saved s;
    s.version = d.value("version", 0);
    s.definition = d.value("definition", json::object());
    s.ts = ts;
    flow_error err;
    s.compiled = parse_flow(s.definition, err);  // valid when saved; parsed again at load
    if (!e.created_ts) e.created_ts = ts;
    e.updated_ts = ts;
    e.versions.push_back(std::move(s));
  } else if (type == "flow_deleted") {
    e.deleted = true;
    e.updated_ts = ts;
  }
}

json flow_directory::view(const std::string& id, const entry& e, bool with_definition) const {
  const auto& last = e.versions.back();
  json j{{"id", id},
         {"name", last.compiled ? json(last.compiled->name()) : json(last.definition.value("name", ""))},
         {"version", last.version},
         {"created_ts", e.created_ts},
         {"updated_ts", e.updated_ts}};
  if (with_definition) j["definition"] = last.definition;
  return j;
}

json flow_directory::list(const std::string& workspace_id) const {
  std::shared_lock lock{mutex_};
  std::vector<std::pair<const std::string*, const entry*>> rows;
  for (auto& [id, e] : flows_)
    if (e.workspace_id == workspace_id && !e.deleted && !e.versions.empty()) rows.emplace_back(&id, &e);
  std::sort(rows.begin(), rows.end(), [](auto& a, auto& b) {
    return std::tie(a.second->created_ts, *a.first) > std::tie(b.second->created_ts, *b.first);
  });
  json items = json::array();
  for (auto& [id, e] : rows) items.push_back(view(*id, *e, false));
  return items;
}

std::optional<json> flow_directory::get(const std::string& workspace_id, const std::string& id) const {
  std::shared_lock lock{mutex_};
  auto it = flows_.find(id);
  if (it == flows_.end() || it->second.workspace_id != workspace_id || it->second.deleted ||
      it->second.versions.empty())
    return std::nullopt;
  return view(id, it->second, true);
}

std::optional<runnable> flow_directory::current(const std::string& workspace_id, const std::string& id) const {
  std::shared_lock lock{mutex_};
  auto it = flows_.find(id);
  if (it == flows_.end() || it->second.workspace_id != workspace_id || it->second.deleted ||
      it->second.versions.empty() || !it->second.versions.back().compiled)
    return std::nullopt;
  auto& last = it->second.versions.back();
  return runnable{id, last.version, last.compiled};
}

std::shared_ptr<const flow> flow_directory::version(const std::string& workspace_id, const std::string& id,
                                                    int v) const {
  std::shared_lock lock{mutex_};
  auto it = flows_.find(id);
  if (it == flows_.end() || it->second.workspace_id != workspace_id) return nullptr;
  for (auto& s : it->second.versions)
    if (s.version == v) return s.compiled;
  return nullptr;
}

void flow_directory::append(const std::string& id, entry& e, std::string type, json data,
                            std::unique_lock<std::shared_mutex>& lock, flow_callback done) {
  data["ts"] = now_ms();
  events::envelope env;
  env.type = type;
  env.stream = "flow/" + id;
  env.seq = ++e.head;
  env.data = data.dump();
  auto refused = writer_.append({std::move(env)}, [this, id, type, data, done](const events::append_result& r) {
    flow_result out;
    {
      std::unique_lock lock{mutex_};
      auto& e = flows_[id];
      if (type == "flow_deleted") e.deleting = false;
      if (!r.st.ok()) {
        out.error = {errc::unavailable, "storage failed: " + r.st.message()};
      } else {
        apply(e, type, data);
        out.object = type == "flow_deleted" ? json{{"id", id}, {"deleted", true}} : view(id, e, true);
        out.position = r.last_position;
      }
    }
    done(out);
  });
  if (!refused.ok()) {
    --e.head;
    if (type == "flow_saved") --e.next_version;
    if (type == "flow_deleted") e.deleting = false;
    lock.unlock();
    done({{errc::unavailable, "storage failed: " + refused.message()}, {}, 0, {}});
  }
}

void flow_directory::create(const std::string& workspace_id, const json& definition, flow_callback done) {
  if (definition.dump().size() > kMaxDefinitionBytes)
    return done({{errc::too_large, "a flow is at most 256 KiB of JSON"}, {}, 0, {}});
  flow_error err;
  if (!parse_flow(definition, err)) return done({{errc::bad_request, err.message}, {}, 0, err.node});
  auto id = random_id("fl_");
  std::unique_lock lock{mutex_};
  auto& e = flows_[id];
  e.workspace_id = workspace_id;
  int version = e.next_version++;
  append(id, e, "flow_saved", {{"workspace_id", workspace_id}, {"version", version}, {"definition", definition}},
         lock, std::move(done));
}

void flow_directory::update(const std::string& workspace_id, const std::string& id, const json& definition,
                            flow_callback done) {
  if (definition.dump().size() > kMaxDefinitionBytes)
    return done({{errc::too_large, "a flow is at most 256 KiB of JSON"}, {}, 0, {}});
  flow_error err;
  if (!parse_flow(definition, err)) return done({{errc::bad_request, err.message}, {}, 0, err.node});
  std::unique_lock lock{mutex_};
  auto it = flows_.find(id);
  if (it == flows_.end() || it->second.workspace_id != workspace_id || it->second.deleted ||
      it->second.deleting || it->second.versions.empty()) {
    lock.unlock();
    return done({{errc::not_found, "no such flow"}, {}, 0, {}});
  }
  int version = it->second.next_version++;
  append(id, it->second, "flow_saved",
         {{"workspace_id", workspace_id}, {"version", version}, {"definition", definition}}, lock, std::move(done));
}

void flow_directory::remove(const std::string& workspace_id, const std::string& id, flow_callback done) {
  std::unique_lock lock{mutex_};
  auto it = flows_.find(id);
  if (it == flows_.end() || it->second.workspace_id != workspace_id || it->second.deleted ||
      it->second.deleting || it->second.versions.empty()) {
    lock.unlock();
    return done({{errc::not_found, "no such flow"}, {}, 0, {}});
  }
  it->second.deleting = true;
  append(id, it->second, "flow_deleted", {{"workspace_id", workspace_id}}, lock, std::move(done));
}

}  // namespace sb::bots
