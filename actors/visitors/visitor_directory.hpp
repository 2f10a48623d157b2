#pragma once
// visitor_directory: the visitor aggregate. Each visitor's stream visitor/<id> holds what it
// told us (identify: name, email, phone, prechat fields), where it was seen (country, city,
// page) and when it opened the widget; this class folds those streams into memory at start-up,
// keeps them current with its own writes (answered once durable), and counts the sockets of
// each visitor (online now, never logged).
//
// Thread-safe: reads take a shared lock and never touch disk; writes check and append under
// the exclusive lock (one writer per stream, seqs in append order).
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/errors.hpp"
#include "events/status.hpp"

namespace sb::events {
class event_log;
class group_commit_writer;
}  // namespace sb::events

namespace sb::visitors {

// One per visitor ever seen, so kept small (most visitors never identify): the workspace and
// widget are shared strings, what identify tells is allocated only when told.
struct visitor_profile {
  std::string name;
  std::string email;
  std::string phone;
  nlohmann::json fields;  // null until identify brings some
};
struct visitor_record {
  const std::string* workspace_id = nullptr;  // interned by the directory (never freed)
  const std::string* site_key = nullptr;
  std::string country = "unknown";
  std::string city;
  std::string page_url;
  std::unique_ptr<visitor_profile> profile;  // null: nothing told yet
  std::int64_t first_seen_ts = 0;
  std::int64_t last_seen_ts = 0;
  std::uint64_t head = 0;  // seq of its stream
  int sockets = 0;         // open widget sockets (memory only)

  visitor_profile& told() {
    if (!profile) profile = std::make_unique<visitor_profile>();
    return *profile;
  }
  bool in(const std::string& ws) const { return workspace_id && *workspace_id == ws; }
};

struct visitor_result {
  failure error;
  nlohmann::json visitor;  // the public view
  std::uint64_t position = 0;
};
using visitor_callback = std::function<void(const visitor_result&)>;

struct seen_info {
  std::string workspace_id;
  std::string site_key;
  std::string country = "unknown";
  std::string city;
  std::string page_url;
};

class visitor_directory {
 public:
  visitor_directory(events::event_log& log, events::group_commit_writer& writer);

  events::status load();  // start-up only (blocking)

  // A visitor socket said hello: it counts as online and a visit is logged (visitor_seen).
  void connected(const std::string& visitor_id, const seen_info& seen, visitor_callback done);
  void disconnected(const std::string& visitor_id);
  // The visitor opened the widget (widget_opened).
  void opened(const std::string& visitor_id, const std::string& workspace_id,
              const std::string& page_url, visitor_callback done);
  // identify {name?, email?, phone?, fields?}: validated (email, phone, the widget's required
  // prechat fields), then visitor_identified; answers the visitor.
  void identify(const std::string& visitor_id, const std::string& workspace_id,
                const nlohmann::json& body, const nlohmann::json& widget, visitor_callback done);
  // Validation only (pure): nullopt when `body` is acceptable for `widget`'s prechat form.
  static std::optional<failure> check_identify(const nlohmann::json& body, const nlohmann::json& widget);

  std::optional<nlohmann::json> get(const std::string& workspace_id, const std::string& visitor_id) const;
  // The name and email a visitor gave (identify), empty when not given; nullopt if unknown.
  std::optional<std::pair<std::string, std::string>> label(const std::string& workspace_id,
                                                           const std::string& visitor_id) const;
  // Visitors of a workspace, most recently seen first; `online` filters when set. Cursor is
  // "<last_seen_ts>:<id>" of the previous page's last item.
  nlohmann::json list(const std::string& workspace_id, std::optional<bool> online, std::size_t limit,
                      const std::string& cursor) const;
  std::size_t online_count(const std::string& workspace_id) const;

 private:
  nlohmann::json view(const std::string& id, const visitor_record& v) const;
  const std::string* intern(const std::string& s);  // under the exclusive lock
  void apply(visitor_record& v, const std::string& type, const nlohmann::json& d);
  void append(const std::string& visitor_id, const std::string& workspace_id, std::string type,
              nlohmann::json data, visitor_callback done);

  events::event_log& log_;
  events::group_commit_writer& writer_;
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, visitor_record> visitors_;
  std::unordered_set<std::string> interned_;  // workspace ids and site keys
};

}  // namespace sb::visitors
