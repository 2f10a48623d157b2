#pragma once
// The pure half of a workspace's router: the hold queue in arrival order, the agents' seats
// (capacity, presence, chats), and which agent gets the next conversation. No I/O, no clock
// (callers pass `now_ms`); the router actor (router_actor.cpp) wraps it.
//
// Queue order: lower queue_key first. A new arrival's key is the log position of the event
// that made it wait (unique, growing); conversations an absent agent gives back are requeued
// with keys below the current head, in their original order (plan_requeue).
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "actors/conversation/commands.hpp"

namespace sb::workspace {

struct queued {
  std::string id;
  std::int64_t queue_key = 0;
  std::int64_t since_ts = 0;  // when it started waiting
  conversation::party visitor;
  std::string site_key;
  std::string last_text;  // the visitor's latest message
  bool dispatching = false;  // an assignment is being written (not shown as waiting)
  std::size_t told_position = 0;  // the place its visitor was last told (0: never)
  // How staff see it, cached by the router's flush (router_flush.cpp): the item's JSON after
  // its position, and the visitor's label and last_text it was rendered from.
  std::string shown{};
  std::optional<std::pair<std::string, std::string>> shown_label{};
  std::string shown_text{};
};

struct seat {
  std::string id;
  std::string name;
  std::optional<int> capacity;  // nullopt: the workspace default
  int sockets = 0;              // open agent sockets
  std::string status = "online";  // what the agent last said (online | away)
  bool shown_offline = true;      // presence shows offline (no socket for a while)
  std::set<std::string> active;    // conversations it has (durable)
  std::set<std::string> incoming;  // assignments being written
  std::int64_t last_assigned_ms = 0;  // 0: never
  std::uint64_t generation = 0;       // bumps on every socket change (timers check it)
  std::size_t announced_active = SIZE_MAX;  // the count of active chats last published
  int load() const { return static_cast<int>(active.size() + incoming.size()); }
};

struct owned {
  std::string agent_id;
  std::int64_t queue_key = 0;  // where it stood in the queue, for a requeue in order
  queued item;                 // what the queue showed, for a requeue
};

struct router_state {
  std::string workspace_id;
  std::string mode = "manual";  // manual | auto
  int default_capacity = 5;
  std::map<std::string, seat> seats;                       // user id -> seat
  std::map<std::pair<std::int64_t, std::string>, queued> queue;  // (key, id) -> item
  std::unordered_map<std::string, std::int64_t> key_of;    // waiting id -> its key
  std::unordered_map<std::string, owned> owners;           // active id -> agent
  std::unordered_map<std::string, std::string> dispatching;  // waiting id -> agent (in flight)
};

int capacity_of(const router_state& r, const seat& s);
// "online" | "away" | "offline" as colleagues see it.
std::string presence_of(const seat& s);
// Online (a socket and status online) and under capacity.
bool available(const router_state& r, const seat& s);

// Facts, applied in log order.
void on_waiting(router_state& r, queued item);
void on_active(router_state& r, const std::string& id, const conversation::party& agent,
               std::int64_t now_ms);
void on_closed(router_state& r, const std::string& id);
void on_text(router_state& r, const std::string& id, const std::string& text);

// The available agent with the fewest chats; ties go to who was assigned least recently.
std::optional<std::string> pick_agent(const router_state& r);
// Auto mode: pairs the head of the queue with agents while both last, marking each pair as
// in flight (its seat counts it, the queue no longer shows it). Manual mode: nothing.
std::vector<std::pair<std::string, std::string>> plan_dispatch(router_state& r,
                                                               std::int64_t now_ms);
// An assignment was refused (the conversation was taken, closed, or the write failed).
void dispatch_failed(router_state& r, const std::string& id);
// An agent absent past the grace period gives its chats back: (id, new key) in original
// order, every key below the current head.
std::vector<std::pair<std::string, std::int64_t>> plan_requeue(const router_state& r,
                                                               const std::string& agent_id);

// The queue as shown: waiting conversations not being dispatched, in order (position 1 first).
std::vector<const queued*> shown_queue(const router_state& r);
// How many of them there are (the queue minus the assignments in flight).
std::size_t waiting_count(const router_state& r);

}  // namespace sb::workspace
