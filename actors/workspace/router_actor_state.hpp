// Inside the workspace router (router_actor.cpp, router_flush.cpp): the actor's state and how
// it tells staff and visitors (queue, presence and queue_position frames, coalesced).
#pragma once

#include <caf/all.hpp>
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/chat_service_impl.hpp"
#include "actors/workspace/router.hpp"

namespace sb::workspace::detail {
using frame_ptr = std::shared_ptr<const std::string>;
using clock = std::chrono::steady_clock;

struct staff_socket {
  std::string user_id;
  std::weak_ptr<frame_sink> sink;
  const frame_sink* key = nullptr;
};

struct router_actor_state {
  chat_service::impl* service = nullptr;
  router_state r;
  conversation::principal me;
  std::vector<staff_socket> sockets;
  std::set<std::string> presence_dirty;  // seats whose presence frame waits for the flush
  std::set<std::string> counts_dirty;    // ... whose count of chats changed (once a second)
  clock::time_point counts_sent{};
  std::unordered_map<std::string, std::string> presence_sent;  // seat -> its last frame pushed
  std::unordered_map<std::string, clock::time_point> dispatch_started;  // id -> slot freed
  std::string queue_sent;  // the last queue frame pushed (an unchanged one is not sent again)
  clock::time_point positions_told{};  // when the last pass over the deeper places started
  bool positions_stale = false;  // the queue changed since that pass started
  bool deep_pass = false;        // a pass is in progress ...
  std::optional<std::pair<std::int64_t, std::string>> deep_from;  // ... going on from this item
  std::optional<clock::time_point> positions_due;  // when the next positions_tick comes
  bool dirty = false;
  std::optional<clock::time_point> flush_due;  // when the next scheduled flush runs
  clock::time_point last_flush{};
  static inline const char* name = "workspace_router";
};

using self_ptr = caf::stateful_actor<router_actor_state>*;


// A visitor as staff see it, appended as JSON text: the name (and email) it gave when it
// identified (`label`, from chat_options::visitor_label).
using visitor_label = std::optional<std::pair<std::string, std::string>>;
visitor_label label_of(const router_actor_state& st, const conversation::party& v);
void append_visitor(std::string& out, const conversation::party& v, const visitor_label& label);
// To every staff socket of the workspace (or only `only_user`'s).
void push_to(router_actor_state& st, const frame_ptr& frame, const std::string& only_user = {});
nlohmann::json presence_frame(const router_state& r, const seat& s);
// Publishes a seat's presence to readers at once; its frame goes to the staff sockets with
// the next flush: within 50 ms for online/away/offline and capacity (`structural`), within a
// second for a new count of active chats (a busy agent's count changes many times a second).
void announce(self_ptr self, seat& s, bool structural = true);
// The queue as JSON: every waiting conversation (for welcome and GET /queue), or only the
// first `max_items` with `total` (the pushed `queue` frames).
std::string queue_text(router_actor_state& st, std::size_t max_items = SIZE_MAX);
// Something the staff or the visitors see changed: flush now or schedule one (see the .cpp).
void mark_dirty(self_ptr self, bool structural = true);
// The least time between two flushes for structural changes: the coalesce option (50 ms), or
// longer for a long queue's frame (a bound on the bytes per second to each staff socket).
std::chrono::milliseconds coalesce_interval(const router_actor_state& st);
void flush(self_ptr self);
// The pass over the deeper queue places (router_flush.cpp): a step of it when `work` (on
// positions_tick), and the next tick scheduled if one is needed.
void positions_step(self_ptr self, bool work);

}  // namespace sb::workspace::detail
