#pragma once
// bot_tokens: the API tokens of external bots (an n8n workflow, a script), each scoped to one
// workspace. Stream bot_token/<id>: bot_token_created {workspace_id, name, secret_hash, ts} and
// bot_token_revoked. A token is "<id>.<secret>"; only the SHA-256 of the secret is stored
// (secrets are 32 random bytes, so a fast hash suffices) and the token is shown once.
//
// A bot token authenticates as principal {kind: "bot", id: <token id>, name} of its workspace:
// it may read conversations, post messages (not private notes), hand off (escalate) and close;
// it may not accept, transfer, label or mark read (decide.cpp), nor use any other endpoint.
// Thread-safe: reads take a shared lock; writes append through the group-commit writer and
// apply once durable.
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "actors/errors.hpp"
#include "events/status.hpp"

namespace sb::events {
class event_log;
class group_commit_writer;
}  // namespace sb::events

namespace sb::bots {

struct bot_identity {
  std::string id, workspace_id, name;
};

struct bot_token_result {
  failure error{errc::ok, {}};
  nlohmann::json object;  // {id, name, created_ts} (+ token when new)
  std::uint64_t position = 0;
};
using bot_token_callback = std::function<void(const bot_token_result&)>;

class bot_tokens {
 public:
  static constexpr std::size_t kMaxPerWorkspace = 50;
  bot_tokens(events::event_log& log, events::group_commit_writer& writer);
  events::status load();  // start-up only (blocking)

  nlohmann::json list(const std::string& workspace_id) const;
  void create(const std::string& workspace_id, const nlohmann::json& body, bot_token_callback done);
  void revoke(const std::string& workspace_id, const std::string& id, bot_token_callback done);
  // The bot a well-formed, live token names; nullopt otherwise (constant-time comparison).
  std::optional<bot_identity> authenticate(const std::string& token) const;
  static bool looks_like_bot_token(const std::string& token) { return token.rfind("bt_", 0) == 0; }

 private:
  struct entry {
    bot_identity who;
    std::string secret_hash;  // hex SHA-256
    std::int64_t created_ts = 0;
    bool revoked = false, busy = false;
    std::uint64_t head = 0;
  };
  void apply(entry& e, const std::string& type, const nlohmann::json& d);
  void append(const std::string& id, std::string type, nlohmann::json data, std::string token,
              std::unique_lock<std::shared_mutex>& lock, bot_token_callback done);

  events::event_log& log_;
  events::group_commit_writer& writer_;
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, entry> tokens_;
};

}  // namespace sb::bots
