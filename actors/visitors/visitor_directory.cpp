#include "actors/visitors/visitor_directory.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <regex>

#include "events/group_commit_writer.hpp"
#include "events/log.hpp"

namespace sb::visitors {
namespace {
using json = nlohmann::json;

const std::regex& email_re() {
  static const std::regex re{R"(^[^@\s]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$)"};
  return re;
}
const std::regex& phone_re() {  // +49 (30) 123-456, 5 to 20 digits in all
  static const std::regex re{R"(^\+?[0-9 ()./-]{5,32}$)"};
  return re;
}
bool plausible_phone(const std::string& p) {
  if (!std::regex_match(p, phone_re())) return false;
  auto digits = std::count_if(p.begin(), p.end(), [](char c) { return c >= '0' && c <= '9'; });
  return digits >= 5 && digits <= 20;
}
bool text(const json& j, std::size_t max) {
  return j.is_string() && !j.get_ref<const std::string&>().empty() && j.get_ref<const std::string&>().size() <= max;
}
std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

visitor_directory::visitor_directory(events::event_log& log, events::group_commit_writer& writer)
    : log_(log), writer_(writer) {}

events::status visitor_directory::load() {
  std::vector<std::string> streams;
  if (auto st = log_.stream_names("visitor/", streams); !st) return st;
  std::unique_lock lock{mutex_};
  for (auto& stream : streams) {
    std::vector<events::envelope> evs;
    if (auto st = log_.read_whole_stream(stream, evs); !st) return st;
    auto& v = visitors_[stream.substr(8)];
    for (auto& e : evs) {
      auto d = json::parse(e.data, nullptr, false);
      if (!d.is_object()) return events::status::error("corrupt event in " + stream);
      apply(v, e.type, d);
      v.head = e.seq;
    }
  }
  return {};
}

const std::string* visitor_directory::intern(const std::string& s) { return &*interned_.insert(s).first; }

void visitor_directory::apply(visitor_record& v, const std::string& type, const json& d) {
  auto str = [&d](const char* key) -> const std::string* {
    auto it = d.find(key);
    return it != d.end() && it->is_string() && !it->get_ref<const std::string&>().empty()
               ? &it->get_ref<const std::string&>()
               : nullptr;
  };
  if (auto* w = str("workspace_id"); w && !v.in(*w)) v.workspace_id = intern(*w);
  auto ts = d.value("ts", std::int64_t{0});
  if (type == "visitor_seen") {
    if (auto* k = str("site_key"); k && (!v.site_key || *v.site_key != *k)) v.site_key = intern(*k);
    if (auto* c = str("country")) v.country = *c;
    if (auto* c = str("city")) v.city = *c;
    if (auto* p = str("page_url")) v.page_url = *p;
    if (!v.first_seen_ts) v.first_seen_ts = ts;
    v.last_seen_ts = std::max(v.last_seen_ts, ts);
  } else if (type == "widget_opened") {
    if (auto* p = str("page_url")) v.page_url = *p;
    v.last_seen_ts = std::max(v.last_seen_ts, ts);
  } else if (type == "visitor_identified") {
    auto& t = v.told();
    for (auto* f : {"name", "email", "phone"})
      if (d.contains(f) && d[f].is_string()) (f[0] == 'n' ? t.name : f[0] == 'e' ? t.email : t.phone) = d[f];
    if (d.contains("fields") && d["fields"].is_object())
      for (auto& [k, val] : d["fields"].items()) t.fields[k] = val;
  }
}

json visitor_directory::view(const std::string& id, const visitor_record& v) const {
  static const visitor_profile none;
  auto& t = v.profile ? *v.profile : none;
  auto opt = [](const std::string& s) { return s.empty() ? json(nullptr) : json(s); };
  return {{"id", id},
          {"name", opt(t.name)},
          {"email", opt(t.email)},
          {"phone", opt(t.phone)},
          {"fields", t.fields.is_null() ? json::object() : t.fields},
          {"country", v.country},
          {"city", opt(v.city)},
          {"online", v.sockets > 0},
          {"page_url", opt(v.page_url)},
          {"first_seen_ts", v.first_seen_ts},
          {"last_seen_ts", v.last_seen_ts},
          {"site_key", v.site_key ? *v.site_key : std::string()}};
}

void visitor_directory::append(const std::string& visitor_id, const std::string& workspace_id,
                               std::string type, json data, visitor_callback done) {
  data["visitor_id"] = visitor_id;
  data["workspace_id"] = workspace_id;
  data["ts"] = now_ms();
  std::unique_lock lock{mutex_};
  auto& v = visitors_[visitor_id];
  if (!v.workspace_id) v.workspace_id = intern(workspace_id);
  if (!v.in(workspace_id)) {  // a token of another workspace never reaches here
    lock.unlock();
    return done({{errc::not_found, "no such visitor"}, {}, 0});
  }
  events::envelope e;
  e.type = type;
  e.stream = "visitor/" + visitor_id;
  e.seq = ++v.head;
  e.data = data.dump();
  auto refused = writer_.append({std::move(e)}, [this, visitor_id, type, data, done](const events::append_result& r) {
    visitor_result out;
    {
      std::unique_lock lock{mutex_};
      auto& v = visitors_[visitor_id];
      if (!r.st.ok()) {
        out.error = {errc::unavailable, "storage failed: " + r.st.message()};
      } else {
        apply(v, type, data);
        out.visitor = view(visitor_id, v);
        out.position = r.last_position;
      }
    }
    done(out);
  });
  if (!refused.ok()) {
    --v.head;
    lock.unlock();
    done({{errc::unavailable, "storage failed: " + refused.message()}, {}, 0});
  }
}

void visitor_directory::connected(const std::string& visitor_id, const seen_info& seen, visitor_callback done) {
  {
    std::unique_lock lock{mutex_};
    ++visitors_[visitor_id].sockets;
  }
  // Only what is known: a visit is logged per socket, so its event stays small (no country
  // means "unknown").
  json data{{"site_key", seen.site_key}};
  if (!seen.country.empty() && seen.country != "unknown") data["country"] = seen.country;
  if (!seen.city.empty()) data["city"] = seen.city;
  if (!seen.page_url.empty()) data["page_url"] = seen.page_url;
  append(visitor_id, seen.workspace_id, "visitor_seen", std::move(data), std::move(done));
}

void visitor_directory::disconnected(const std::string& visitor_id) {
  std::unique_lock lock{mutex_};
  auto it = visitors_.find(visitor_id);
  if (it != visitors_.end() && it->second.sockets > 0) --it->second.sockets;
}

void visitor_directory::opened(const std::string& visitor_id, const std::string& workspace_id,
                               const std::string& page_url, visitor_callback done) {
  append(visitor_id, workspace_id, "widget_opened", {{"page_url", page_url}}, std::move(done));
}

std::optional<failure> visitor_directory::check_identify(const json& b, const json& widget) {
  auto bad = [](std::string m) { return failure{errc::bad_request, std::move(m)}; };
  if (b.contains("name") && !b["name"].is_null() && !text(b["name"], 200)) return bad("name is a string of 1 to 200 bytes");
  if (b.contains("email") && !b["email"].is_null() &&
      (!text(b["email"], 254) || !std::regex_match(b["email"].get<std::string>(), email_re())))
    return bad("email is not a valid email address");
  if (b.contains("phone") && !b["phone"].is_null() && (!text(b["phone"], 32) || !plausible_phone(b["phone"])))
    return bad("phone is not a valid phone number");
  if (b.contains("fields") && !b["fields"].is_null()) {
    auto& f = b["fields"];
    if (!f.is_object() || f.size() > 20) return bad("fields is an object of at most 20 entries");
    for (auto& [k, v] : f.items())
      if (k.empty() || k.size() > 100 || !(v.is_string() && v.get_ref<const std::string&>().size() <= 1000))
        return bad("fields hold strings of at most 1000 bytes");
  }
  auto& pre = widget.contains("prechat") ? widget["prechat"] : json();
  if (!pre.is_object() || !pre.value("enabled", false)) return std::nullopt;
  for (auto& field : pre.value("fields", json::array())) {
    std::string name = field.value("name", "");
    auto type = field.value("type", "text");
    const json* value = nullptr;
    if (name == "name" || name == "email" || name == "phone") {
      if (b.contains(name)) value = &b[name];
    } else if (b.contains("fields") && b["fields"].is_object() && b["fields"].contains(name)) {
      value = &b["fields"][name];
    }
    bool present = value && value->is_string() && !value->get_ref<const std::string&>().empty();
    if (field.value("required", false) && !present) return bad(field.value("label", name) + " is required");
    if (present && type == "email" && !std::regex_match(value->get<std::string>(), email_re()))
      return bad(field.value("label", name) + " is not a valid email address");
    if (present && type == "phone" && !plausible_phone(value->get<std::string>()))
      return bad(field.value("label", name) + " is not a valid phone number");
  }
  return std::nullopt;
}

void visitor_directory::identify(const std::string& visitor_id, const std::string& workspace_id,
                                 const json& body, const json& widget, visitor_callback done) {
  if (auto f = check_identify(body, widget)) return done({*f, {}, 0});
  json data = json::object();
  for (auto* f : {"name", "email", "phone"})
    if (body.contains(f) && body[f].is_string()) data[f] = body[f];
  if (body.contains("fields") && body["fields"].is_object()) data["fields"] = body["fields"];
  append(visitor_id, workspace_id, "visitor_identified", std::move(data), std::move(done));
}

std::optional<json> visitor_directory::get(const std::string& workspace_id, const std::string& id) const {
  std::shared_lock lock{mutex_};
  auto it = visitors_.find(id);
  if (it == visitors_.end() || !it->second.in(workspace_id) || !it->second.first_seen_ts)
    return std::nullopt;
  return view(it->first, it->second);
}

std::optional<std::pair<std::string, std::string>> visitor_directory::label(const std::string& workspace_id,
                                                                         const std::string& id) const {
  std::shared_lock lock{mutex_};
  auto it = visitors_.find(id);
  if (it == visitors_.end() || !it->second.in(workspace_id)) return std::nullopt;
  auto& p = it->second.profile;
  return p ? std::make_pair(p->name, p->email) : std::make_pair(std::string(), std::string());
}

json visitor_directory::list(const std::string& workspace_id, std::optional<bool> online, std::size_t limit,
                             const std::string& cursor) const {
  std::optional<std::pair<std::int64_t, std::string>> after;
  if (auto colon = cursor.find(':'); colon != std::string::npos) {
    try {
      after = {{std::stoll(cursor.substr(0, colon)), cursor.substr(colon + 1)}};
    } catch (...) {
    }
  }
  std::shared_lock lock{mutex_};
  // Newest first: (last_seen_ts, id) descending. A sort per call: fine for the thousands a
  // workspace sees per day; an index is the next step for millions.
  using row = std::pair<const std::string, visitor_record>;
  std::vector<const row*> rows;
  for (auto& r : visitors_) {
    auto& v = r.second;
    if (v.in(workspace_id) && v.first_seen_ts && (!online || (v.sockets > 0) == *online))
      if (!after || std::make_pair(v.last_seen_ts, r.first) < *after) rows.push_back(&r);
  }
  std::sort(rows.begin(), rows.end(), [](auto* a, auto* b) {
    return std::make_pair(a->second.last_seen_ts, a->first) > std::make_pair(b->second.last_seen_ts, b->first);
  });
  json items = json::array();
  json next = nullptr;
  for (auto* v : rows) {
    if (items.size() == limit) {
      auto& last = *rows[limit - 1];
      next = std::to_string(last.second.last_seen_ts) + ":" + last.first;
      break;
    }
    items.push_back(view(v->first, v->second));
  }
  return {{"items", items}, {"next_cursor", next}};
}

std::size_t visitor_directory::online_count(const std::string& workspace_id) const {
  std::shared_lock lock{mutex_};
  std::size_t n = 0;
  for (auto& [id, v] : visitors_)
    if (v.sockets > 0 && v.in(workspace_id)) ++n;
  return n;
}

}  // namespace sb::visitors
