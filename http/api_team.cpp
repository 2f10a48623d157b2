// /api/v1/auth, /users, /workspace and /canned: who may sign in, the team, the workspace's
// settings and canned replies.
#include <mutex>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/chat_service.hpp"
#include "actors/directory.hpp"
#include "actors/tokens.hpp"
#include "events/blocking_pool.hpp"
#include "http/api_support.hpp"
#include "http/staff_sockets.hpp"

namespace sb::http {
namespace {
using json = nlohmann::json;

rate_limiter& login_limiter() {
  static rate_limiter r;
  return r;
}

// Failed logins per account: after kFailures within kWindow the account's logins are refused
// for kLockout, the right password included, so that a password cannot be guessed from many
// addresses at once. Bounded: only accounts that exist are tracked.
class account_guard {
 public:
  static constexpr int kFailures = 5;
  static constexpr auto kWindow = std::chrono::minutes(15);
  static constexpr auto kLockout = std::chrono::minutes(15);
  bool locked(const std::string& user_id) {
    std::lock_guard lock{mutex_};
    auto it = accounts_.find(user_id);
    return it != accounts_.end() && std::chrono::steady_clock::now() < it->second.locked_until;
  }
  void failed(const std::string& user_id) {
    std::lock_guard lock{mutex_};
    auto now = std::chrono::steady_clock::now();
    auto& a = accounts_[user_id];
    std::erase_if(a.failures, [&](auto t) { return now - t > kWindow; });
    a.failures.push_back(now);
    if (static_cast<int>(a.failures.size()) >= kFailures) {
      a.locked_until = now + kLockout;
      a.failures.clear();
    }
  }
  void succeeded(const std::string& user_id) {
    std::lock_guard lock{mutex_};
    accounts_.erase(user_id);
  }

 private:
  struct account {
    std::vector<std::chrono::steady_clock::time_point> failures;
    std::chrono::steady_clock::time_point locked_until{};
  };
  std::mutex mutex_;
  std::unordered_map<std::string, account> accounts_;
};

account_guard& accounts() {
  static account_guard g;
  return g;
}

// A user with its presence as the router sees it.
json user_view(app& a, const user& u) {
  auto j = u.public_json();
  j["presence"] = a.chat.presence_of(u.workspace_id, u.id).presence;
  return j;
}

}  // namespace

void handle_auth(app& a, const api_request& req, const std::vector<std::string>& parts,
                 respond_fn respond) {
  if (parts.size() == 4 && parts[3] == "login" && req.method == "POST") {
    if (!login_limiter().allow(client_ip(a, req), a.lim.logins_per_minute, std::chrono::minutes(1), a.lim.logins_per_minute))
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
      if (u && accounts().locked(u->id))
        return respond(error(errc::rate_limited, "too many failed logins for this account; retry later"));
      bool ok = verify_password(u ? u->password_hash : dummy, password) && u;
      if (!ok) {
        if (u) accounts().failed(u->id);
        return respond(error(errc::unauthorized, "wrong email or password"));
      }
      accounts().succeeded(u->id);
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

void handle_users(app& a, const staff& s, const api_request& req,
                  const std::vector<std::string>& parts, respond_fn respond) {
  if (s.role != "admin") return respond(error(errc::forbidden, "only admins manage users"));
  auto ws = s.who.workspace_id;
  if (parts.size() == 3 && req.method == "GET") {
    json items = json::array();
    for (auto& u : a.dir.users(ws)) items.push_back(user_view(a, u));
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
    return a.dir.update_user(ws, id, b, std::nullopt, [&a, ws, respond](const write_result& r) {
      if (r.error.code == errc::ok) a.chat.settings_changed(ws);  // capacity may have changed
      write_answer(respond, 200, r);
    });
  }
  respond(error(errc::not_found, "no such endpoint"));
}

void handle_workspace(app& a, const staff& s, const api_request& req,
                      const std::vector<std::string>& parts, respond_fn respond) {
  auto ws = s.who.workspace_id;
  if (parts.size() != 3) return respond(error(errc::not_found, "no such endpoint"));
  if (req.method == "GET") {
    auto w = a.dir.workspace_settings(ws);
    if (!w) return respond(error(errc::not_found, "no such workspace"));
    return respond(reply(200, *w));
  }
  if (req.method != "PATCH") return respond(error(errc::not_found, "no such endpoint"));
  if (s.role != "admin") return respond(error(errc::forbidden, "only admins change the workspace"));
  auto body = object_body(req, respond);
  if (!body) return;
  a.dir.update_workspace(ws, *body, [&a, ws, respond](const write_result& r) {
    if (r.error.code == errc::ok) a.chat.settings_changed(ws);
    write_answer(respond, 200, r);
  });
}

void handle_canned(app& a, const staff& s, const api_request& req,
                   const std::vector<std::string>& parts, respond_fn respond) {
  auto ws = s.who.workspace_id;
  auto done = [respond](int status) {
    return [respond, status](const write_result& r) { write_answer(respond, status, r); };
  };
  if (parts.size() == 3 && req.method == "GET") {
    json items = json::array();
    for (auto& c : a.dir.canned(ws)) items.push_back(c);
    return respond(reply(200, {{"items", items}, {"next_cursor", nullptr}}));
  }
  if (parts.size() == 3 && req.method == "POST") {
    auto body = object_body(req, respond);
    if (!body) return;
    return a.dir.create_canned(ws, *body, done(201));
  }
  if (parts.size() == 4 && req.method == "PATCH") {
    auto body = object_body(req, respond);
    if (!body) return;
    return a.dir.update_canned(ws, parts[3], *body, done(200));
  }
  if (parts.size() == 4 && req.method == "DELETE") return a.dir.delete_canned(ws, parts[3], done(200));
  respond(error(errc::not_found, "no such endpoint"));
}

}  // namespace sb::http
