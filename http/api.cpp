#include "http/api.hpp"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "actors/chat_service.hpp"
#include "actors/conversation/decide.hpp"
#include "actors/directory.hpp"
#include "actors/tokens.hpp"
#include "events/blocking_pool.hpp"
#include "events/group_commit_writer.hpp"
#include "http/metrics.hpp"
#include "http/staff_sockets.hpp"
#include "projections/history_fold.hpp"
#include "projections/history_projection.hpp"

namespace sb::http {
namespace {
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

// Non-negative integer query parameter; nullopt if absent; false in `ok` if malformed.
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

// Parses a JSON object body; nullopt (and an error response) otherwise.
std::optional<json> object_body(const api_request& req, const respond_fn& respond) {
  auto j = json::parse(req.body.empty() ? std::string("{}") : req.body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    respond(error(errc::bad_request, "the body must be a JSON object"));
    return std::nullopt;
  }
  return j;
}

// A simple per-key token bucket (per IP for logins).
class rate_limiter {
 public:
  bool allow(const std::string& key, double per_minute) {
    std::lock_guard lock{mutex_};
    auto now = std::chrono::steady_clock::now();
    auto& b = buckets_[key];
    if (b.second.time_since_epoch().count() == 0) b = {per_minute, now};
    std::chrono::duration<double> dt = now - b.second;
    b.first = std::min(per_minute, b.first + dt.count() * per_minute / 60.0);
    b.second = now;
    if (buckets_.size() > 100000) buckets_.clear();  // bounded memory under a spray of IPs
    if (b.first < 1) return false;
    b.first -= 1;
    return true;
  }

 private:
  std::mutex mutex_;
  std::unordered_map<std::string, std::pair<double, std::chrono::steady_clock::time_point>> buckets_;
};

// The client's address for rate limits: the peer, or, when the peer is a trusted proxy, the
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

rate_limiter& login_limiter() {
  static rate_limiter r;
  return r;
}

// Answers `fn()` once the history read model has applied min_position (bounded wait).
void after_min_position(app& a, const std::unordered_map<std::string, std::string>& q,
                        respond_fn respond, std::function<void(respond_fn)> fn) {
  bool ok = true;
  auto min = uint_param(q, "min_position", ok);
  if (!ok) return respond(error(errc::bad_request, "min_position must be a non-negative integer"));
  if (!min || a.history.applied_position() >= *min) return fn(std::move(respond));
  if (!a.history.healthy()) return respond(error(errc::unavailable, "read model failed"));
  if (*min > a.writer.last_position())
    return respond(error(errc::bad_request, "min_position is beyond the end of the log"));
  a.history.when_applied(*min, std::chrono::steady_clock::now() + a.lim.min_position_wait,
                         [fn, respond](bool reached) {
                           if (!reached)
                             return respond(error(errc::unavailable, "the read model has not reached min_position yet"));
                           fn(respond);
                         });
}


void handle_auth(app& a, const api_request& req, const std::vector<std::string>& parts,
                 respond_fn respond) {
  if (parts.size() == 4 && parts[3] == "login" && req.method == "POST") {
    if (!login_limiter().allow(client_ip(a, req), a.lim.logins_per_minute))
      return respond(error(errc::rate_limited, "too many login attempts; retry later"));
    auto body = object_body(req, respond);
    if (!body) return;
    if (!(*body).contains("email") || !(*body)["email"].is_string() || !(*body).contains("password") ||
        !(*body)["password"].is_string() || (*body)["password"].get_ref<const std::string&>().size() > 1024)
      return respond(error(errc::bad_request, "login needs string email and password"));
    std::string email = (*body)["email"], password = (*body)["password"];
    // argon2id is slow on purpose: verify on the crypto thread, never on an I/O thread.
    a.crypto.submit([&a, email, password, respond] {
      static const std::string dummy = hash_password("not a real password");
      auto u = a.dir.user_by_email(email);
      // Verify even for unknown emails so that timing does not reveal which exist.
      bool ok = verify_password(u ? u->password_hash : dummy, password) && u;
      if (!ok) return respond(error(errc::unauthorized, "wrong email or password"));
      respond(reply(200, {{"token", issue_staff_token(a, u->id, u->workspace_id)},
                          {"user", u->public_json()}}));
    });
    return;
  }
  if (parts.size() == 4 && parts[3] == "logout" && req.method == "POST") {
    auto token = req.authorization.rfind("Bearer ", 0) == 0 ? req.authorization.substr(7) : "";
    auto s = authenticate_staff(a, token);
    if (!s) return respond(error(errc::unauthorized, "missing or invalid token"));
    a.dir.revoke_token(s->who.workspace_id, s->token_id, s->token_exp,
                       [&a, respond, token_id = s->token_id](const write_result& r) {
                         if (r.error.code != errc::ok) return respond(error(r.error));
                         a.staff.close_token(token_id, 4401, "logged out");
                         respond(reply(200, {{"ok", true}, {"position", r.position}}));
                       });
    return;
  }
  respond(error(errc::not_found, "no such endpoint"));
}

void write_answer(const respond_fn& respond, int status, const write_result& r) {
  if (r.error.code != errc::ok) return respond(error(r.error));
  json body = r.object;
  body["position"] = r.position;
  respond(reply(status, body));
}

void handle_users(app& a, const staff& s, const api_request& req,
                  const std::vector<std::string>& parts, respond_fn respond) {
  if (s.role != "admin") return respond(error(errc::forbidden, "only admins manage users"));
  auto ws = s.who.workspace_id;
  if (parts.size() == 3 && req.method == "GET") {
    json items = json::array();
    for (auto& u : a.dir.users(ws)) items.push_back(u.public_json());
    return respond(reply(200, {{"items", items}, {"next_cursor", nullptr}}));
  }
  if (parts.size() == 3 && req.method == "POST") {
    auto body = object_body(req, respond);
    if (!body) return;
    auto& b = *body;
    if (!b.contains("password") || !b["password"].is_string() ||
        b["password"].get_ref<const std::string&>().size() < 8 ||
        b["password"].get_ref<const std::string&>().size() > 1024)
      return respond(error(errc::bad_request, "password must be a string of 8 to 1024 bytes"));
    a.crypto.submit([&a, ws, b, respond] {
      a.dir.create_user(ws, b, hash_password(b["password"]),
                        [respond](const write_result& r) { write_answer(respond, 201, r); });
    });
    return;
  }
  if (parts.size() == 4 && (req.method == "PATCH" || req.method == "DELETE")) {
    auto id = parts[3];
    if (req.method == "DELETE") {
      if (id == s.user_id) return respond(error(errc::conflict, "you cannot delete yourself"));
      return a.dir.delete_user(ws, id, [&a, respond, id](const write_result& r) {
        if (r.error.code == errc::ok) a.staff.close_user(id, 4401, "user deleted");
        write_answer(respond, 200, r);
      });
    }
    auto body = object_body(req, respond);
    if (!body) return;
    auto b = *body;
    if (b.contains("password")) {
      if (!b["password"].is_string() || b["password"].get_ref<const std::string&>().size() < 8 ||
          b["password"].get_ref<const std::string&>().size() > 1024)
        return respond(error(errc::bad_request, "password must be a string of 8 to 1024 bytes"));
      a.crypto.submit([&a, ws, id, b, respond] {
        a.dir.update_user(ws, id, b, hash_password(b["password"]),
                          [respond](const write_result& r) { write_answer(respond, 200, r); });
      });
      return;
    }
    return a.dir.update_user(ws, id, b, std::nullopt,
                             [respond](const write_result& r) { write_answer(respond, 200, r); });
  }
  respond(error(errc::not_found, "no such endpoint"));
}

json public_config(const json& w) {
  return {{"site_key", w["site_key"]}, {"title", w["title"]}, {"welcome_message", w["welcome_message"]},
          {"colors", w["colors"]}, {"side", w["side"]}, {"prechat", w["prechat"]},
          {"business_hours", w["business_hours"]}, {"offline_message", w["offline_message"]}};
}

void handle_widgets(app& a, const std::optional<staff>& s, const api_request& req,
                    const std::vector<std::string>& parts, respond_fn respond) {
  // Public: GET /widgets/{site_key}/config
  if (parts.size() == 5 && parts[4] == "config" && req.method == "GET") {
    auto w = a.dir.widget(parts[3]);
    if (!w) return respond(error(errc::not_found, "no such widget"));
    auto etag = "\"" + std::to_string(w->value("version", 1)) + "\"";
    api_response r;
    if (req.if_none_match == etag) r.status = 304;
    else r.body = public_config(*w).dump();
    r.headers = {{"ETag", etag}, {"Cache-Control", "public, max-age=60"}};
    if (!req.origin.empty() && origin_allowed(*w, req.origin)) {
      r.headers.emplace_back("Access-Control-Allow-Origin", req.origin);
      r.headers.emplace_back("Vary", "Origin");
    }
    return respond(std::move(r));
  }
  if (!s) return respond(error(errc::unauthorized, "missing or invalid token"));
  auto ws = s->who.workspace_id;
  auto done = [respond](int status) {
    return [respond, status](const write_result& r) { write_answer(respond, status, r); };
  };
  if (parts.size() == 3 && req.method == "GET") {
    json items = json::array();
    for (auto& w : a.dir.widgets(ws)) items.push_back(w);
    return respond(reply(200, {{"items", items}, {"next_cursor", nullptr}}));
  }
  if (parts.size() == 3 && req.method == "POST") {
    auto body = object_body(req, respond);
    if (!body) return;
    return a.dir.create_widget(ws, *body, done(201));
  }
  if (parts.size() == 4) {
    auto key = parts[3];
    if (req.method == "GET") {
      auto w = a.dir.widget(key);
      if (!w || w->value("workspace_id", "") != ws) return respond(error(errc::not_found, "no such widget"));
      return respond(reply(200, *w));
    }
    if (req.method == "PATCH") {
      auto body = object_body(req, respond);
      if (!body) return;
      return a.dir.update_widget(ws, key, *body, done(200));
    }
    if (req.method == "DELETE") return a.dir.delete_widget(ws, key, done(200));
  }
  respond(error(errc::not_found, "no such endpoint"));
}

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
    return after_min_position(a, q, respond, [&a, ws, status, limit, cursor](respond_fn respond) {
      respond(reply(200, a.history.list(ws, status, limit, cursor)));
    });
  }
  if (parts.size() < 4) return respond(error(errc::not_found, "no such endpoint"));
  auto cid = parts[3];
  if (parts.size() == 4 && req.method == "GET") {
    return after_min_position(a, q, respond, [&a, ws, cid](respond_fn respond) {
      auto sum = a.history.summary(cid);
      if (!sum || (*sum)["workspace_id"] != ws) return respond(error(errc::not_found, "no such conversation"));
      respond(reply(200, projections::summary_view(*sum)));
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
  if (parts.size() != 5 || req.method != "POST") return respond(error(errc::not_found, "no such endpoint"));
  auto info_reply = [respond](const failure& f, const conversation_info& info) {
    if (f.code != errc::ok) return respond(error(f));
    auto body = json::parse(info.json);
    body["position"] = info.position;
    respond(reply(200, body));
  };
  if (parts[4] == "accept") return a.chat.accept(s.who, cid, info_reply);
  if (parts[4] == "close") return a.chat.close(s.who, cid, info_reply);
  if (parts[4] == "messages") {
    auto body = object_body(req, respond);
    if (!body) return;
    auto& b = *body;
    if (!b.contains("client_msg_id") || !b["client_msg_id"].is_string() || !b.contains("text") ||
        !b["text"].is_string())
      return respond(error(errc::bad_request, "a message needs string client_msg_id and text"));
    conversation::post_message m{b["client_msg_id"], b["text"]};
    return a.chat.post(s.who, cid, m, [respond](const failure& f, const ack_info& ack) {
      if (f.code != errc::ok) return respond(error(f));
      respond(reply(201, {{"conversation_id", ack.conversation_id}, {"seq", ack.seq}, {"ts", ack.ts},
                          {"client_msg_id", ack.client_msg_id}, {"position", ack.position}}));
    });
  }
  respond(error(errc::not_found, "no such endpoint"));
}

}  // namespace

bool origin_allowed(const json& widget, const std::string& origin) {
  auto it = widget.find("allowed_origins");
  if (it == widget.end() || !it->is_array()) return false;
  for (auto& o : *it)
    if (o == "*" || o == origin) return true;
  return false;
}

std::string error_body(errc code, const std::string& message) {
  return json{{"error", {{"code", to_code(code)}, {"message", message}}}}.dump();
}

std::optional<staff> authenticate_staff(const app& a, const std::string& token) {
  auto claims = a.tokens.verify(token, unix_ms());
  if (!claims || claims->value("typ", "") != "staff") return std::nullopt;
  auto jti = claims->value("jti", "");
  if (jti.empty() || a.dir.revoked(jti)) return std::nullopt;
  auto u = a.dir.user_by_id(claims->value("sub", ""));
  if (!u || u->workspace_id != claims->value("wsp", "")) return std::nullopt;
  return staff{{{u->role == "admin" ? "admin" : "agent", u->id, u->name}, u->workspace_id},
               u->id, u->role, jti, (*claims)["exp"].get<std::int64_t>()};
}

std::string issue_staff_token(const app& a, const std::string& user_id, const std::string& workspace_id) {
  auto exp = unix_ms() + std::chrono::duration_cast<std::chrono::milliseconds>(a.token_ttl).count();
  return a.tokens.issue({{"typ", "staff"}, {"sub", user_id}, {"wsp", workspace_id},
                         {"jti", random_id("tk_")}, {"exp", exp}});
}

void route_request(app& a, api_request req, respond_fn respond);

void handle_request(app& a, api_request req, respond_fn respond) {
  try {
    route_request(a, std::move(req), respond);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "request handler failed: %s\n", e.what());
    respond(error(errc::internal, "internal error"));
  }
}

void route_request(app& a, api_request req, respond_fn respond) {
  a.stats.http_requests_total->Increment();
  if (req.path == "/healthz") return respond(reply(200, {{"status", "ok"}}));
  if (req.path == "/readyz") {
    bool ready = a.writer.healthy() && a.history.healthy();
    return respond(reply(ready ? 200 : 503, {{"ready", ready}, {"log_writable", a.writer.healthy()},
                                             {"read_models_ok", a.history.healthy()},
                                             {"position", a.writer.last_position()},
                                             {"history_position", a.history.applied_position()}}));
  }
  if (req.path == "/metrics") {
    a.stats.live_actors->Set(static_cast<double>(a.chat.live_actors()));
    auto pos = a.writer.last_position();
    a.stats.log_position->Set(static_cast<double>(pos));
    a.stats.projection_lag_events->Set(static_cast<double>(pos - std::min(pos, a.history.applied_position())));
    return respond({200, a.stats.serialize(), "text/plain; version=0.0.4; charset=utf-8", {}});
  }
  auto parts = split_path(req.path);
  if (parts.size() < 3 || parts[0] != "api" || parts[1] != "v1")
    return respond(error(errc::not_found, "no such endpoint"));
  if (req.body.size() > a.lim.http_body_max) return respond(error(errc::too_large, "body over 1 MiB"));
  const auto& area = parts[2];
  if (area == "auth") return handle_auth(a, req, parts, std::move(respond));
  std::optional<staff> s;
  if (req.authorization.rfind("Bearer ", 0) == 0) s = authenticate_staff(a, req.authorization.substr(7));
  if (area == "widgets") return handle_widgets(a, s, req, parts, std::move(respond));
  if (!s) return respond(error(errc::unauthorized, "missing or invalid token"));
  if (area == "me" && parts.size() == 3 && req.method == "GET") {
    auto u = a.dir.user_by_id(s->user_id);
    if (!u) return respond(error(errc::unauthorized, "this user no longer exists"));
    return respond(reply(200, u->public_json()));
  }
  if (area == "users") return handle_users(a, *s, req, parts, std::move(respond));
  if (area == "conversations") return handle_conversations(a, *s, req, parts, std::move(respond));
  respond(error(errc::not_found, "no such endpoint"));
}

}  // namespace sb::http
