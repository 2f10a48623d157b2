#include "actors/bots/bot_tokens.hpp"

#include <sodium.h>

#include <algorithm>
#include <chrono>
#include <mutex>

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

std::string sha256_hex(const std::string& s) {
  unsigned char h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, reinterpret_cast<const unsigned char*>(s.data()), s.size());
  char hex[2 * sizeof h + 1];
  sodium_bin2hex(hex, sizeof hex, h, sizeof h);
  return std::string(hex, 2 * sizeof h);
}

}  // namespace

bot_tokens::bot_tokens(events::event_log& log, events::group_commit_writer& writer) : log_(log), writer_(writer) {}

events::status bot_tokens::load() {
  std::vector<std::string> streams;
  if (auto st = log_.stream_names("bot_token/", streams); !st) return st;
  std::unique_lock lock{mutex_};
  for (auto& stream : streams) {
    std::vector<events::envelope> evs;
    if (auto st = log_.read_whole_stream(stream, evs); !st) return st;
    auto& e = tokens_[stream.substr(10)];
    e.who.id = stream.substr(10);
    for (auto& ev : evs) {
      auto d = json::parse(ev.data, nullptr, false);
      if (!d.is_object()) return events::status::error("corrupt event in " + stream);
      apply(e, ev.type, d);
      e.head = ev.seq;
    }
  }
  return {};
}

void bot_tokens::apply(entry& e, const std::string& type, const json& d) {
  if (type == "bot_token_created") {
    e.who.workspace_id = d.value("workspace_id", "");
    e.who.name = d.value("name", "Bot");
    e.secret_hash = d.value("secret_hash", "");
    e.created_ts = d.value("ts", std::int64_t{0});
  } else if (type == "bot_token_revoked") {
    e.revoked = true;
  }
}

json bot_tokens::list(const std::string& workspace_id) const {
  std::shared_lock lock{mutex_};
  std::vector<const entry*> rows;
  for (auto& [id, e] : tokens_)
    if (e.who.workspace_id == workspace_id && !e.revoked && e.created_ts) rows.push_back(&e);
  std::sort(rows.begin(), rows.end(), [](auto* a, auto* b) { return a->created_ts > b->created_ts; });
  json items = json::array();
  for (auto* e : rows) items.push_back({{"id", e->who.id}, {"name", e->who.name}, {"created_ts", e->created_ts}});
  return items;
}

void bot_tokens::append(const std::string& id, std::string type, json data, std::string token,
                        std::unique_lock<std::shared_mutex>& lock, bot_token_callback done) {
  auto& e = tokens_[id];
  data["workspace_id"] = e.who.workspace_id;
  data["ts"] = now_ms();
  e.busy = true;
  events::envelope env;
  env.type = type;
  env.stream = "bot_token/" + id;
  env.seq = ++e.head;
  env.data = data.dump();
  auto refused = writer_.append({std::move(env)}, [this, id, type, data, token, done](const events::append_result& r) {
    bot_token_result out;
    {
      std::unique_lock lock{mutex_};
      auto& e = tokens_[id];
      e.busy = false;
      if (!r.st.ok()) {
        --e.head;
        out.error = {errc::unavailable, "storage failed: " + r.st.message()};
      } else {
        apply(e, type, data);
        out.object = {{"id", id}, {"name", e.who.name}, {"created_ts", e.created_ts}};
        if (!token.empty()) out.object["token"] = token;
        if (e.revoked) out.object["revoked"] = true;
        out.position = r.last_position;
      }
    }
    done(out);
  });
  if (!refused.ok()) {
    --e.head;
    e.busy = false;
    if (!e.created_ts) tokens_.erase(id);
    lock.unlock();
    done({{errc::unavailable, "storage failed: " + refused.message()}, {}, 0});
  }
}

void bot_tokens::create(const std::string& workspace_id, const json& body, bot_token_callback done) {
  for (auto& [k, v] : body.items())
    if (k != "name") return done({{errc::bad_request, "unknown field " + k}, {}, 0});
  if (!body.contains("name") || !body["name"].is_string() || body["name"].get<std::string>().empty() ||
      body["name"].get<std::string>().size() > 80)
    return done({{errc::bad_request, "name must be a string of 1 to 80 bytes"}, {}, 0});
  std::unique_lock lock{mutex_};
  std::size_t n = 0;
  for (auto& [id, e] : tokens_) n += e.who.workspace_id == workspace_id && !e.revoked;
  if (n >= kMaxPerWorkspace) {
    lock.unlock();
    return done({{errc::conflict, "a workspace has at most 50 bot tokens"}, {}, 0});
  }
  auto id = random_id("bt_");
  auto secret = random_id("", 32);
  auto& e = tokens_[id];
  e.who = {id, workspace_id, body["name"]};
  append(id, "bot_token_created", {{"name", body["name"]}, {"secret_hash", sha256_hex(secret)}}, id + "." + secret,
         lock, std::move(done));
}

void bot_tokens::revoke(const std::string& workspace_id, const std::string& id, bot_token_callback done) {
  std::unique_lock lock{mutex_};
  auto it = tokens_.find(id);
  failure f{errc::ok, {}};
  if (it == tokens_.end() || it->second.who.workspace_id != workspace_id || it->second.revoked || !it->second.created_ts)
    f = {errc::not_found, "no such bot token"};
  else if (it->second.busy)
    f = {errc::conflict, "this token is being changed"};
  if (f.code != errc::ok) {
    lock.unlock();
    return done({f, {}, 0});
  }
  append(id, "bot_token_revoked", json::object(), "", lock, std::move(done));
}

std::optional<bot_identity> bot_tokens::authenticate(const std::string& token) const {
  auto dot = token.find('.');
  if (dot == std::string::npos || token.size() > 200) return std::nullopt;
  auto hash = sha256_hex(token.substr(dot + 1));
  std::shared_lock lock{mutex_};
  auto it = tokens_.find(token.substr(0, dot));
  if (it == tokens_.end() || it->second.revoked || !it->second.created_ts) return std::nullopt;
  auto& want = it->second.secret_hash;
  if (want.size() != hash.size() || sodium_memcmp(want.data(), hash.data(), hash.size()) != 0) return std::nullopt;
  return it->second.who;
}

}  // namespace sb::bots
