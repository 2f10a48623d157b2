#pragma once
// directory: the workspace's users, widgets and revoked tokens, folded from the stream
// workspace/<id> into memory at start-up and kept current by its own writes.
//
// Writes are checked under the lock, appended through the group-commit writer in seq order,
// applied to memory only once durable, and answered after that (acks follow durability).
// Reads are lock-shared and never touch disk, so the edge may call them on its threads.
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/errors.hpp"
#include "events/status.hpp"

namespace sb::events {
class event_log;
class group_commit_writer;
}  // namespace sb::events

namespace sb {

inline bool short_string(const nlohmann::json& j, std::size_t max) {
  return j.is_string() && j.get_ref<const std::string&>().size() <= max;
}

struct user {
  std::string id;
  std::string workspace_id;
  std::string email;  // lower case
  std::string name;
  std::string role;   // admin | agent
  std::string password_hash;
  std::optional<int> capacity;  // chats at once; nullopt = the workspace default
  nlohmann::json public_json() const;
};

// The result of a write: the new or changed object and the log position of its event.
struct write_result {
  failure error{errc::ok, {}};
  nlohmann::json object;
  std::uint64_t position = 0;
};
using write_callback = std::function<void(const write_result&)>;

class directory {
 public:
  directory(events::event_log& log, events::group_commit_writer& writer);

  // Start-up only (may block on disk): folds every workspace stream.
  events::status load();
  bool has_workspace() const;
  // Start-up only: creates the first workspace and its admin; blocks until durable.
  // Also how an operator adds another workspace (`switchboard add-workspace`, server stopped).
  events::status bootstrap(const std::string& email, const std::string& password_hash,
                           const std::string& name = "Default");

  std::optional<user> user_by_email(const std::string& email) const;
  std::optional<user> user_by_id(const std::string& id) const;
  std::vector<user> users(const std::string& workspace_id) const;
  std::optional<nlohmann::json> widget(const std::string& site_key) const;
  std::vector<nlohmann::json> widgets(const std::string& workspace_id) const;
  bool revoked(const std::string& token_id) const;
  std::vector<std::string> workspace_ids() const;
  // {id, name, routing: manual|auto, default_capacity}
  std::optional<nlohmann::json> workspace_settings(const std::string& workspace_id) const;
  // Canned replies {id, shortcut, text}, by shortcut.
  std::vector<nlohmann::json> canned(const std::string& workspace_id) const;

  void create_user(const std::string& workspace_id, const nlohmann::json& body,
                   std::string password_hash, write_callback done);
  void update_user(const std::string& workspace_id, const std::string& id,
                   const nlohmann::json& body, std::optional<std::string> password_hash,
                   write_callback done);
  void delete_user(const std::string& workspace_id, const std::string& id, write_callback done);
  void create_widget(const std::string& workspace_id, const nlohmann::json& body,
                     write_callback done);
  void update_widget(const std::string& workspace_id, const std::string& site_key,
                     const nlohmann::json& body, write_callback done);
  void delete_widget(const std::string& workspace_id, const std::string& site_key,
                     write_callback done);
  void revoke_token(const std::string& workspace_id, const std::string& token_id,
                    std::int64_t exp, write_callback done);
  void update_workspace(const std::string& workspace_id, const nlohmann::json& body,
                        write_callback done);
  void create_canned(const std::string& workspace_id, const nlohmann::json& body,
                     write_callback done);
  void update_canned(const std::string& workspace_id, const std::string& id,
                     const nlohmann::json& body, write_callback done);
  void delete_canned(const std::string& workspace_id, const std::string& id, write_callback done);

  // Validates a widget body (create: every field optional, defaults filled in).
  static std::optional<failure> check_widget(const nlohmann::json& body);
  static nlohmann::json widget_defaults();

 private:
  struct workspace {
    std::string id;
    std::uint64_t head = 0;  // stream seq
    std::string name = "Default";
    std::string routing = "manual";
    int default_capacity = 5;
    std::unordered_map<std::string, nlohmann::json> canned;  // id -> {id, shortcut, text}
  };
  void apply(const std::string& type, const nlohmann::json& data);
  void apply_workspace(const std::string& type, const nlohmann::json& data);  // settings, canned
  // A check run under the write lock, just before appending (uniqueness, existence).
  using precheck = std::function<std::optional<failure>()>;
  // Appends one event to workspace/<id>; on durability applies it and answers.
  void write(const std::string& workspace_id, std::string type, nlohmann::json data,
             nlohmann::json answer, write_callback done, precheck check = {});

  events::event_log& log_;
  events::group_commit_writer& writer_;
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, workspace> workspaces_;
  std::unordered_map<std::string, user> users_;               // id -> user
  std::unordered_map<std::string, std::string> user_emails_;  // email -> id
  std::set<std::string> pending_emails_;
  std::set<std::string> pending_deletes_;  // ids/site keys whose deletion is being written
  std::unordered_map<std::string, nlohmann::json> widgets_;   // site_key -> widget
  std::unordered_map<std::string, std::int64_t> revoked_;     // token id -> exp
};

}  // namespace sb
