#include "actors/workspace/router_actor.hpp"

#include <chrono>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_map>

#include "actors/chat_service_impl.hpp"
#include "actors/directory.hpp"
#include "actors/handoff.hpp"
#include "actors/tokens.hpp"
#include "actors/workspace/router.hpp"

namespace sb::workspace {
namespace {
using json = nlohmann::json;
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
  std::unordered_map<std::string, std::size_t> active_announced;  // seat -> count published
  std::unordered_map<std::string, clock::time_point> dispatch_started;  // id -> slot freed
  std::string queue_sent;  // the last queue frame pushed (an unchanged one is not sent again)
  clock::time_point positions_told{};  // the last pass over every waiting visitor
  bool positions_stale = false;  // the queue changed since that pass
  bool dirty = false;
  std::optional<clock::time_point> flush_due;  // when the next scheduled flush runs
  clock::time_point last_flush{};
  static inline const char* name = "workspace_router";
};

using self_ptr = caf::stateful_actor<router_actor_state>*;

json party_json(const conversation::party& p) { return {{"kind", p.kind}, {"id", p.id}, {"name", p.name}}; }

void push_to(router_actor_state& st, const frame_ptr& frame, const std::string& only_user = {}) {
  std::erase_if(st.sockets, [](const staff_socket& s) { return s.sink.expired(); });
  for (auto& s : st.sockets)
    if (only_user.empty() || s.user_id == only_user)
      if (auto sink = s.sink.lock()) sink->push(frame);
}

json presence_frame(const router_state& r, const seat& s) {
  return {{"type", "presence"},      {"user_id", s.id},    {"presence", presence_of(s)},
          {"active", s.active.size()}, {"capacity", capacity_of(r, s)}};
}

void mark_dirty(self_ptr self, bool structural = true);

// Publishes a seat's presence to readers at once; its frame goes to the staff sockets with
// the next flush: within 50 ms for online/away/offline and capacity (`structural`), within a
// second for a new count of active chats (a busy agent's count changes many times a second).
void announce(self_ptr self, const seat& s, bool structural = true) {
  auto& st = self->state;
  {
    std::lock_guard lock{st.service->snapshot_mutex};
    st.service->presence[st.r.workspace_id][s.id] = {presence_of(s), static_cast<int>(s.active.size())};
  }
  st.active_announced[s.id] = s.active.size();
  (structural ? st.presence_dirty : st.counts_dirty).insert(s.id);
  mark_dirty(self, structural);
}

// The queue as JSON: every waiting conversation (for welcome and GET /queue), or only the
// first kFrameItems with `total` (the pushed `queue` frames: their size, times every staff
// socket, times the flushes, must stay bounded however long the queue grows).
constexpr std::size_t kFrameItems = 100;

std::string queue_text(const router_state& r, std::size_t max_items = SIZE_MAX) {
  json waiting = json::array();
  std::size_t pos = 0;
  for (auto& [key, q] : r.queue) {
    if (pos == max_items) break;
    if (q.dispatching) continue;
    waiting.push_back({{"conversation_id", q.id},
                       {"position", ++pos},
                       {"since_ts", q.since_ts},
                       {"visitor", party_json(q.visitor)},
                       {"last_text", q.last_text.empty() ? json(nullptr) : json(q.last_text)}});
  }
  return json{{"waiting", waiting}, {"total", waiting_count(r)}}.dump();
}

// Visitors this close to the head hear every change of their place; the others at most once a
// second (with 1,000 waiting and fast agents, every flush moves everyone).
constexpr std::size_t kEagerPositions = 20;

// Each waiting visitor whose place changed hears its new one: the first kEagerPositions on every
// flush, the others on a pass over the whole queue at most once a second. A flush costs
// O(kEagerPositions) then, not O(queue), however long the queue is.
void tell_positions(self_ptr self, clock::time_point now) {
  auto& st = self->state;
  bool full = now - st.positions_told >= std::chrono::seconds(1);
  std::size_t pos = 0;
  for (auto& [key, q] : st.r.queue) {
    if (q.dispatching) continue;
    if (++pos > kEagerPositions && !full) break;
    if (q.told_position == pos) continue;
    q.told_position = pos;
    st.service->route(q.id, conversation::queue_position_msg{pos});
  }
  if (!full) {  // newcomers join at the tail: they hear their place at once
    std::size_t tail = waiting_count(st.r);
    for (auto it = st.r.queue.rbegin(); it != st.r.queue.rend() && tail > kEagerPositions; ++it) {
      auto& q = it->second;
      if (q.dispatching) continue;
      if (q.told_position != 0) break;
      q.told_position = tail;
      st.service->route(q.id, conversation::queue_position_msg{tail--});
    }
  }
  if (full) {
    st.positions_told = now;
    st.positions_stale = false;
  } else if (st.positions_stale && pos > kEagerPositions) {
    mark_dirty(self, false);  // the deeper places are told by the pass a second from now
  }
}

void flush(self_ptr self) {
  auto& st = self->state;
  st.dirty = false;
  auto now = clock::now();
  st.last_flush = now;
  auto frame = R"({"type":"queue",)" + queue_text(st.r, kFrameItems).substr(1);
  if (frame != st.queue_sent) {
    push_to(st, std::make_shared<const std::string>(frame));
    st.queue_sent = std::move(frame);
  }
  if (!st.counts_dirty.empty()) {
    if (now - st.counts_sent >= std::chrono::seconds(1)) {
      st.presence_dirty.merge(st.counts_dirty);
      st.counts_dirty.clear();
      st.counts_sent = now;
    } else {
      mark_dirty(self, false);  // their turn comes a second after the last ones
    }
  }
  for (auto& id : st.presence_dirty) {
    auto it = st.r.seats.find(id);
    if (it == st.r.seats.end()) continue;
    auto text = presence_frame(st.r, it->second).dump();
    auto& sent = st.presence_sent[id];
    if (text == sent) continue;  // back where it was at the last flush
    push_to(st, std::make_shared<const std::string>(text));
    sent = std::move(text);
  }
  st.presence_dirty.clear();
  tell_positions(self, now);
}

// Queue frames go out at once, then at most once per coalesce interval (50 ms) for changes
// of who waits and in which order, and at most once a second for a new last_text only (a
// busy waiting visitor must not make every staff socket re-read the queue per message).
void mark_dirty(self_ptr self, bool structural) {
  auto& st = self->state;
  st.dirty = true;
  auto every = structural ? st.service->env.opts.queue_coalesce
                          : std::chrono::milliseconds(std::chrono::seconds(1));
  auto now = clock::now();
  auto due = st.last_flush + every;
  if (st.flush_due && *st.flush_due <= due) return;  // a flush is coming soon enough
  if (now >= due && !st.flush_due) return flush(self);
  due = std::max(due, now);
  st.flush_due = due;
  self->delayed_send(self, std::chrono::duration_cast<std::chrono::milliseconds>(due - now) +
                               std::chrono::milliseconds(1),
                     flush_tick{});
}

void dispatch(self_ptr self) {
  auto& st = self->state;
  auto pairs = plan_dispatch(st.r, unix_ms());
  auto now = clock::now();
  for (auto& [cid, agent_id] : pairs) {
    st.dispatch_started[cid] = now;
    auto& s = st.r.seats.at(agent_id);
    conversation::party agent{"agent", s.id, s.name};
    st.service->route(cid, conversation::control_msg{
                               st.me, conversation::assign{agent},
                               [h = caf::actor_cast<caf::actor>(self), cid](const failure& f,
                                                                           const conversation_info&) {
                                 handoff::release();
                                 caf::anon_send(h, assign_done{cid, f});
                               }});
  }
  if (!pairs.empty()) {
    st.positions_stale = true;
    mark_dirty(self);
  }
}

void load_settings(router_actor_state& st) {
  auto& dir = st.service->dir;
  if (auto w = dir.workspace_settings(st.r.workspace_id)) {
    st.r.mode = w->value("routing", "manual");
    st.r.default_capacity = w->value("default_capacity", 5);
  }
  for (auto& [id, s] : st.r.seats)
    if (auto u = dir.user_by_id(id)) {
      s.name = u->name;
      s.capacity = u->capacity;
    }
}

seat& seat_of(router_actor_state& st, const std::string& user_id, const std::string& name) {
  auto& s = st.r.seats[user_id];
  if (s.id.empty()) {
    s.id = user_id;
    s.name = name;
    if (auto u = st.service->dir.user_by_id(user_id)) {
      s.name = u->name;
      s.capacity = u->capacity;
    }
  }
  return s;
}

void apply_update(router_actor_state& st, const conv_update& u) {
  if (u.status == "waiting") {
    on_waiting(st.r, queued{u.conversation_id, u.queue_key, u.ts, u.visitor, u.site_key, u.last_text});
  } else if (u.status == "active" && u.agent) {
    seat_of(st, u.agent->id, u.agent->name);
    on_active(st.r, u.conversation_id, *u.agent, u.via == "restore" ? 0 : unix_ms());
  } else {
    on_closed(st.r, u.conversation_id);
  }
}

// Announces the seats whose count of active chats differs from the one last published.
void announce_changed(self_ptr self) {
  auto& st = self->state;
  for (auto& [id, s] : st.r.seats) {
    auto it = st.active_announced.find(id);
    if (it == st.active_announced.end() || it->second != s.active.size()) announce(self, s, false);
  }
}

void start_absence(self_ptr self, seat& s) {
  auto& opts = self->state.service->env.opts;
  ++s.generation;
  self->delayed_send(self, opts.offline_after, offline_tick{s.id, s.generation});
  self->delayed_send(self, opts.agent_grace, grace_tick{s.id, s.generation});
}

caf::behavior router_actor(self_ptr self, chat_service::impl* service, std::string workspace_id,
                           router_seed seed) {
  auto& st = self->state;
  st.service = service;
  st.r.workspace_id = workspace_id;
  st.me = {{"system", "router", "Router"}, workspace_id};
  for (auto& u : seed.conversations) apply_update(st, u);
  load_settings(st);
  // After a restart nobody is connected: agents with chats get the grace period from now.
  for (auto& [id, s] : st.r.seats)
    if (!s.active.empty()) start_absence(self, s);
  flush(self);
  dispatch(self);
  return {
      [=](conv_update& u) {
        handoff::acquire();
        auto& st = self->state;
        apply_update(st, u);
        st.positions_stale = true;
        if (auto d = st.dispatch_started.find(u.conversation_id); d != st.dispatch_started.end()) {
          if (u.via == "assign" && st.service->env.opts.on_dispatch)
            st.service->env.opts.on_dispatch(clock::now() - d->second);
          st.dispatch_started.erase(d);
        }
        if (u.status == "active" && u.agent && (u.via == "assign" || u.via == "transfer")) {
          json c{{"id", u.conversation_id}, {"status", "active"},
                 {"visitor", party_json(u.visitor)}, {"agent", {{"id", u.agent->id}, {"name", u.agent->name}}},
                 {"site_key", u.site_key}, {"via", u.via}};
          push_to(st, std::make_shared<const std::string>(json{{"type", "assigned"}, {"conversation", c}}.dump()),
                  u.agent->id);
        }
        dispatch(self);  // first: a conversation handed out at once is never shown as waiting
        announce_changed(self);
        mark_dirty(self);
      },
      [=](conv_text& t) {
        handoff::acquire();
        on_text(self->state.r, t.conversation_id, t.text);
        mark_dirty(self, false);
      },
      [=](staff_joined& j) {
        handoff::acquire();
        auto& st = self->state;
        auto& s = seat_of(st, j.user_id, j.name);
        ++s.sockets;
        ++s.generation;
        s.shown_offline = false;
        st.sockets.push_back({j.user_id, j.sink, j.key});
        if (j.joined) j.joined(queue_text(st.r));  // the welcome, with the queue as of now
        if (auto sink = j.sink.lock()) {  // the colleagues' presence
          for (auto& [id, other] : st.r.seats)
            if (id != j.user_id) sink->push(std::make_shared<const std::string>(presence_frame(st.r, other).dump()));
        }
        announce(self, s);
        dispatch(self);
      },
      [=](queue_req& q) {
        handoff::acquire();
        q.done(queue_text(self->state.r));
      },
      [=](staff_left& l) {
        handoff::acquire();
        auto& st = self->state;
        std::erase_if(st.sockets, [&](const staff_socket& s) { return s.key == l.key; });
        auto it = st.r.seats.find(l.user_id);
        if (it == st.r.seats.end() || it->second.sockets == 0) return;
        if (--it->second.sockets == 0) start_absence(self, it->second);
      },
      [=](presence_set& p) {
        handoff::acquire();
        auto& st = self->state;
        auto it = st.r.seats.find(p.user_id);
        if (it == st.r.seats.end() || it->second.status == p.status) return;
        it->second.status = p.status;
        announce(self, it->second);
        dispatch(self);
      },
      [=](offline_tick& t) {
        auto& st = self->state;
        auto it = st.r.seats.find(t.user_id);
        if (it == st.r.seats.end() || it->second.generation != t.generation || it->second.sockets) return;
        it->second.shown_offline = true;
        announce(self, it->second);
      },
      [=](grace_tick& t) {
        auto& st = self->state;
        auto it = st.r.seats.find(t.user_id);
        if (it == st.r.seats.end() || it->second.generation != t.generation || it->second.sockets) return;
        for (auto& [cid, key] : plan_requeue(st.r, t.user_id))
          st.service->route(cid, conversation::control_msg{st.me, conversation::requeue{key},
                                                           [](const failure&, const conversation_info&) {}});
      },
      [=](settings_changed&) {
        auto& st = self->state;
        load_settings(st);
        for (auto& [id, s] : st.r.seats) announce(self, s);
        dispatch(self);
      },
      [=](assign_done& d) {
        handoff::acquire();
        auto& st = self->state;
        if (d.error.code == errc::ok) return;  // the durable update arrives on its own
        dispatch_failed(st.r, d.conversation_id);
        st.dispatch_started.erase(d.conversation_id);
        // Taken, closed or gone: its own update (if any) says what it is now; never retry it
        // blindly.
        if (st.r.key_of.count(d.conversation_id)) on_closed(st.r, d.conversation_id);
        st.positions_stale = true;
        mark_dirty(self);
        dispatch(self);
      },
      [=](transfer_req& t) {
        handoff::acquire();
        auto& st = self->state;
        auto u = st.service->dir.user_by_id(t.to_user_id);
        if (!u || u->workspace_id != st.r.workspace_id)
          return t.done({errc::not_found, "no such user in this workspace"}, {});
        auto& s = seat_of(st, u->id, u->name);
        bool has_it = s.active.count(t.conversation_id) != 0;
        if (!t.admin && !has_it && s.load() >= capacity_of(st.r, s))
          return t.done({errc::conflict, "that agent is at capacity"}, {});
        st.service->route(t.conversation_id,
                          conversation::control_msg{t.who, conversation::transfer{{"agent", u->id, u->name}},
                                                    std::move(t.done)});
      },
      [=](flush_tick) {
        auto& st = self->state;
        st.flush_due.reset();
        if (!st.dirty) return;
        // A stale tick (its flush was replaced by an earlier one) must not flush twice in a row.
        if (clock::now() - st.last_flush < st.service->env.opts.queue_coalesce) return mark_dirty(self);
        flush(self);
      },
  };
}

}  // namespace

caf::actor spawn_router(caf::actor_system& sys, chat_service::impl& service, std::string workspace_id,
                        router_seed seed) {
  return sys.spawn(router_actor, &service, std::move(workspace_id), std::move(seed));
}

}  // namespace sb::workspace
