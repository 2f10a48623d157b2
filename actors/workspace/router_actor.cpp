#include "actors/workspace/router_actor.hpp"

#include <chrono>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_map>

#include "actors/chat_service_impl.hpp"
#include "actors/directory.hpp"
#include "actors/handoff.hpp"
#include "actors/json_text.hpp"
#include "actors/tokens.hpp"
#include "actors/workspace/router.hpp"
#include "actors/workspace/router_actor_state.hpp"

namespace sb::workspace {
namespace {
using json = nlohmann::json;
using frame_ptr = std::shared_ptr<const std::string>;
using clock = std::chrono::steady_clock;

using namespace detail;

// {"type":"assigned","conversation":{id, status, visitor, agent, site_key, via}}, by hand: one
// per dispatch.
frame_ptr assigned_frame(const router_actor_state& st, const conv_update& u) {
  std::string out;
  out.reserve(320);
  out += R"({"type":"assigned","conversation":{)";
  json_text::field(out, "id", u.conversation_id, true);
  json_text::field(out, "status", "active");
  out += R"(,"visitor":)";
  append_visitor(out, u.visitor, label_of(st, u.visitor));
  out += R"(,"agent":{)";
  json_text::field(out, "id", u.agent->id, true);
  json_text::field(out, "name", u.agent->name);
  out.push_back('}');
  json_text::field(out, "site_key", u.site_key);
  json_text::field(out, "via", u.via);
  out += "}}";
  return std::make_shared<const std::string>(std::move(out));
}

void dispatch(self_ptr self) {
  auto& st = self->state;
  auto pairs = plan_dispatch(st.r, unix_ms());
  auto now = clock::now();
  for (auto& [cid, agent_id] : pairs) {
    st.dispatch_started[cid] = now;
    auto& s = st.r.seats.at(agent_id);
    conversation::party agent{"agent", s.id, s.name};
    // The agent's `assigned` frame goes out from the commit itself (no hop back through here).
    auto notice = std::make_shared<conversation::durable_notice>();
    if (auto k = st.r.key_of.find(cid); k != st.r.key_of.end()) {
      auto& q = st.r.queue.at({k->second, cid});
      conv_update u{cid, "active", agent, "assign", 0, 0, q.visitor, q.site_key, {}};
      notice->frame = assigned_frame(st, u);
    }
    for (auto& sock : st.sockets)
      if (sock.user_id == agent_id) notice->sinks.push_back(sock.sink);
    st.service->route(cid, conversation::control_msg{
                               st.me, conversation::assign{agent},
                               [h = caf::actor_cast<caf::actor>(self), cid](const failure& f,
                                                                           const conversation_info&) {
                                 handoff::release();
                                 caf::anon_send(h, assign_done{cid, f});
                               },
                               true,  // success needs no answer: the durable update comes
                               notice->frame ? std::move(notice) : nullptr});
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
  for (auto& [id, s] : st.r.seats)
    if (s.announced_active != s.active.size()) announce(self, s, false);
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
        // (A dispatch's `assigned` frame went out from its commit: see dispatch().)
        if (u.status == "active" && u.agent && u.via == "transfer") push_to(st, assigned_frame(st, u), u.agent->id);
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
        if (j.joined) j.joined(queue_text(st));  // the welcome, with the queue as of now
        if (auto sink = j.sink.lock()) {  // the colleagues' presence
          for (auto& [id, other] : st.r.seats)
            if (id != j.user_id) sink->push(std::make_shared<const std::string>(presence_frame(st.r, other).dump()));
        }
        announce(self, s);
        dispatch(self);
      },
      [=](queue_req& q) {
        handoff::acquire();
        q.done(queue_text(self->state));
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
                                                           [](const failure&, const conversation_info&) {}, true});
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
      [=](position_wanted& p) {
        handoff::acquire();
        auto& st = self->state;
        auto k = st.r.key_of.find(p.conversation_id);
        if (k == st.r.key_of.end()) return;
        // Its visitor may be back: tell the place now, wherever it is in the queue.
        std::size_t pos = 0;
        for (auto& [key, q] : st.r.queue) {
          if (q.dispatching) continue;
          ++pos;
          if (q.id != p.conversation_id) continue;
          q.told_position = pos;
          st.service->route(q.id, conversation::queue_position_msg{pos});
          break;
        }
      },
      [=](positions_tick) {
        self->state.positions_due.reset();
        positions_step(self, true);
      },
      [=](flush_tick) {
        auto& st = self->state;
        st.flush_due.reset();
        if (!st.dirty) return;
        // A stale tick (its flush was replaced by an earlier one) must not flush twice in a row.
        if (clock::now() - st.last_flush < coalesce_interval(st)) return mark_dirty(self);
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
