#include "http/api_support.hpp"

#include "actors/visitors/visitor_directory.hpp"

#include <algorithm>

#include "events/group_commit_writer.hpp"
#include "projections/history_projection.hpp"

namespace sb::http {
using json = nlohmann::json;

api_response reply(int status, const json& body) { return {status, body.dump(), "application/json", {}}; }
api_response error(errc code, const std::string& message) {
  api_response r{http_status(code), error_body(code, message), "application/json", {}};
  if (code == errc::rate_limited) r.headers.emplace_back("Retry-After", "60");
  return r;
}
api_response error(const failure& f) { return error(f.code, f.message); }

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t i = 0;
  while (i < path.size()) {
    auto j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) parts.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return parts;
}

std::string url_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') out.push_back(' ');
    else if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(s[i + 1]) && std::isxdigit(s[i + 2])) {
      out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else out.push_back(s[i]);
  }
  return out;
}

std::unordered_map<std::string, std::string> parse_query(const std::string& q) {
  std::unordered_map<std::string, std::string> out;
  std::size_t i = 0;
  while (i <= q.size() && !q.empty()) {
    auto j = q.find('&', i);
    if (j == std::string::npos) j = q.size();
    auto kv = std::string_view(q).substr(i, j - i);
    auto eq = kv.find('=');
    if (!kv.empty())
      out[url_decode(kv.substr(0, eq))] = eq == std::string_view::npos ? "" : url_decode(kv.substr(eq + 1));
    i = j + 1;
    if (j == q.size()) break;
  }
  return out;
}

std::optional<std::uint64_t> uint_param(const std::unordered_map<std::string, std::string>& q,
                                        const char* name, bool& ok) {
  auto it = q.find(name);
  if (it == q.end() || it->second.empty()) return std::nullopt;
  if (it->second.size() > 19 || it->second.find_first_not_of("0123456789") != std::string::npos) {
    ok = false;
    return std::nullopt;
  }
  return std::stoull(it->second);
}

std::optional<json> object_body(const api_request& req, const respond_fn& respond) {
  auto j = json::parse(req.body.empty() ? std::string("{}") : req.body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    respond(error(errc::bad_request, "the body must be a JSON object"));
    return std::nullopt;
  }
  return j;
}


// nearest address in X-Forwarded-For that is not one of ours (each proxy appends the address
// it got the request from, so entries left of an untrusted one may be forged).
std::string client_ip(const app& a, const api_request& req) {
  auto trusted = [&](std::string_view ip) {
    return std::find(a.trusted_proxies.begin(), a.trusted_proxies.end(), ip) != a.trusted_proxies.end();
  };
  if (req.forwarded_for.empty() || !trusted(req.remote_ip)) return req.remote_ip;
  std::string_view list = req.forwarded_for;
  while (!list.empty()) {
    auto comma = list.rfind(',');
    auto item = comma == std::string_view::npos ? list : list.substr(comma + 1);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (item.empty() || item.size() > 64) break;  // malformed: fall back to the proxy
    if (!trusted(item)) return std::string(item);
  }
  return req.remote_ip;
}


void after_position(app& a, const read_model& m, const query_map& q, respond_fn respond,
                    std::function<void(respond_fn)> fn) {
  bool ok = true;
  auto min = uint_param(q, "min_position", ok);
  if (!ok) return respond(error(errc::bad_request, "min_position must be a non-negative integer"));
  if (!min || m.applied() >= *min) return fn(std::move(respond));
  if (!m.healthy()) return respond(error(errc::unavailable, "read model failed"));
  if (*min > a.writer.last_position())
    return respond(error(errc::bad_request, "min_position is beyond the end of the log"));
  m.when_applied(*min, std::chrono::steady_clock::now() + a.lim.min_position_wait, [fn, respond](bool reached) {
    if (!reached) return respond(error(errc::unavailable, "the read model has not reached min_position yet"));
    fn(respond);
  });
}

void after_min_position(app& a, const query_map& q, respond_fn respond, std::function<void(respond_fn)> fn) {
  auto& h = a.history;
  read_model m{[&h] { return h.applied_position(); }, [&h] { return h.healthy(); },
               [&h](std::uint64_t p, auto deadline, auto done) { h.when_applied(p, deadline, std::move(done)); }};
  after_position(a, m, q, std::move(respond), std::move(fn));
}


void write_answer(const respond_fn& respond, int status, const write_result& r) {
  if (r.error.code != errc::ok) return respond(error(r.error));
  json body = r.object;
  body["position"] = r.position;
  respond(reply(status, body));
}

// A visitor's name and email come from the visitor directory (identify), not from the
// conversation's opening (where every visitor is "Visitor").
void with_visitor(const app& a, const std::string& ws, nlohmann::json& item) {
  if (!a.visitors) return;
  auto& v = item["visitor"];
  auto known = a.visitors->get(ws, v.value("id", ""));
  if (!known) return;
  if ((*known)["name"].is_string()) v["name"] = (*known)["name"];
  v["email"] = (*known)["email"];
}

}  // namespace sb::http
