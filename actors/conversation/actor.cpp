#include "actors/conversation/actor.hpp"

#include <algorithm>
#include <chrono>
#include <deque>
#include <optional>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "actors/chat_service_impl.hpp"
#include "actors/handoff.hpp"
#include "actors/json_text.hpp"
#include "actors/conversation/decide.hpp"
#include "actors/conversation/evolve.hpp"
#include "actors/conversation/actor_state.hpp"
#include "actors/conversation/feed.hpp"
#include "actors/workspace/router_actor.hpp"
#include "events/blocking_pool.hpp"
#include "events/log.hpp"

namespace sb::conversation {
namespace {

using detail::conversation_state;
using detail::pending_write;
using detail::self_ptr;
using detail::read_side_of;
using detail::write;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}


frame_ptr queue_position_frame(const std::string& id, std::size_t position) {
  std::string out = R"({"type":"queue_position")";
  json_text::field(out, "conversation_id", id);
  json_text::field(out, "position", std::uint64_t{position});
  out.push_back('}');
  return std::make_shared<const std::string>(std::move(out));
}

std::string info_json(const state& s) {
  nlohmann::json agent = nullptr;
  if (s.agent) agent = {{"id", s.agent->id}, {"name", s.agent->name}};
  return nlohmann::json{{"id", s.id},
                        {"status", s.status},
                        {"workspace_id", s.workspace_id},
                        {"site_key", s.site_key},
                        {"visitor", {{"id", s.visitor.id}, {"name", s.visitor.name}}},
                        {"agent", agent},
                        {"last_seq", s.last_seq},
                        {"labels", s.labels},
                        {"created_ts", s.created_ts},
                        {"updated_ts", s.updated_ts}}
      .dump();
}

conversation_info info_of(const conversation_state& st, std::uint64_t position) {
  return {st.s.id, st.s.status, st.frames->durable_seq(), info_json(st.s), position};
}

void fail_everything(conversation_state& st, const failure& f) {
  for (auto& p : st.pending)  // acks were answered by the commit callback
    if (p.info) p.info(f, {});
  st.pending.clear();
  for (auto& [seq, fn] : st.after_durable) fn();  // they answer from state; see post handler
  st.after_durable.clear();
}

// Answers everything with `f` and stops as soon as nothing more can reach it.
caf::behavior refusing(self_ptr self, failure f) {
  self->send(self, idle_tick{});
  return {
      [=](post_msg& p) { handoff::acquire(), p.done(f, {}); },
      [=](control_msg& c) { handoff::acquire(), c.done(f, {}); },
      [=](get_msg& g) { handoff::acquire(), g.done(f, {}); },
      [=](subscribe_msg& s) { handoff::acquire(), s.done(f, {}); },
      [=](unsubscribe_msg&) {},
      [=](typing_msg&) {},
      [=](committed_msg&) {},
      [=](typing_expired&) {},
      [=](queue_position_msg&) {},
      [=](text_flush) {},
      [=](webhook_answer&) {},
      [=](external_bot_due&) {},
      [=](wake_msg&) {},
      [=](ai_partial&) {},
      [=](ai_done&) {},
      [=](idle_tick) {
        auto& st = self->state;
        if (st.env.service->retire(st.id, self)) self->quit();
        else self->delayed_send(self, std::chrono::milliseconds(50), idle_tick{});
      },
  };
}

void schedule_idle(self_ptr self) {
  self->delayed_send(self, self->state.env.opts.actor_idle, idle_tick{});
}

caf::behavior running(self_ptr self) {
  return {
      [=](post_msg& m) {
        handoff::acquire();
        auto& st = self->state;
        st.last_active = std::chrono::steady_clock::now();
        auto o = m.open ? decide_open(st.s, st.id, *m.open, m.msg, now_ms())
                        : decide(st.s, m.who, post_message{m.msg}, now_ms());
        if (!o.ok()) return m.done(o.error, {});
        if (o.duplicate_of) {
          auto ref = *o.duplicate_of;
          auto answer = [self, ref, cid = m.msg.client_msg_id, done = m.done] {
            auto& st = self->state;
            if (ref.seq > st.frames->durable_seq())
              return done({errc::unavailable, "the original message was not stored"}, {});
            done({}, ack_info{st.id, ref.seq, ref.ts, cid, st.frames->position()});
          };
          if (ref.seq <= st.frames->durable_seq()) return answer();
          // Ask for a wake-up on every commit, then look again: a commit that landed in
          // between has either been seen here or will send committed_msg.
          st.frames->wants_commits.store(true);
          if (ref.seq <= st.frames->durable_seq()) return answer();
          st.after_durable.emplace_back(ref.seq, std::move(answer));
          return;
        }
        // A bot answers: the visitor's first message with a bot, a message while it has the
        // conversation, or the message that reopens a conversation it had (to `bot`).
        bool bot_reopen = st.s.status == "closed" && std::any_of(o.events.begin(), o.events.end(), [](const event& e) {
          auto* sc = std::get_if<status_changed>(&e);
          return sc && sc->status == "bot";
        });
        if (m.who.who.kind == "visitor" && (m.open ? m.open->bot.has_value() : st.s.status == "bot" || bot_reopen)) {
          auto& flow_id = m.open ? m.open->bot->flow_id : st.s.bot_flow_id;
          if (flow_id == kAiBot) {
            write(self, pending_write{std::move(o.events), std::move(m.done), nullptr, m.watch, m.who.who.id});
            // Once the message is durable, so that the visitor's socket (which starts watching
            // with that commit) hears every partial frame of the reply.
            auto seq = st.s.last_visitor_seq;
            st.frames->wants_commits.store(true);
            if (seq <= st.frames->durable_seq()) return detail::start_ai_turn(self);
            st.after_durable.emplace_back(seq, [self, seq] {
              if (seq <= self->state.frames->durable_seq()) detail::start_ai_turn(self);  // not a failed write
            });
            return;
          }
          if (flow_id.empty())
            detail::wait_for_external_bot(self, o.events, m.open ? m.open->bot->handoff_after_ms : st.s.bot_handoff_after_ms);
          else
            detail::add_bot_turn(self, o.events, m.open ? &*m.open : nullptr, m.msg.text);
        }
        write(self, pending_write{std::move(o.events), std::move(m.done), nullptr, m.watch,
                                  m.who.who.id});
      },
      [=](control_msg& m) {
        handoff::acquire();
        auto& st = self->state;
        st.last_active = std::chrono::steady_clock::now();
        auto o = decide(st.s, m.who, m.cmd, now_ms());
        if (!o.ok()) return m.done(o.error, {});
        if (o.events.empty()) return m.errors_only ? void() : m.done({}, info_of(st, 0));
        write(self, pending_write{std::move(o.events), nullptr, std::move(m.done), {}, {}, m.errors_only,
                                  std::move(m.notice)});
      },
      [=](get_msg& m) {
        handoff::acquire();
        auto& st = self->state;
        principal who = m.who;
        auto o = decide(st.s, who, mark_read{0}, 0);  // reuse decide's access check
        if (o.error.code == errc::not_found) return m.done(o.error, {});
        m.done({}, info_of(st, 0));
      },
      [=](subscribe_msg& m) {
        handoff::acquire();
        auto& st = self->state;
        st.last_active = std::chrono::steady_clock::now();
        auto o = decide(st.s, m.who, mark_read{0}, 0);
        if (o.error.code == errc::not_found) return m.done(o.error, {});
        auto sink = m.sink.lock();
        if (!sink) return;
        m.done({}, info_of(st, 0));  // the answer (e.g. welcome) goes out before the backlog
        st.frames->subscribe(m.after_seq, m.sink, m.who.who.id);
      },
      [=](unsubscribe_msg& m) { handoff::acquire(), self->state.frames->unsubscribe(m.sink); },
      [=](text_flush) {
        auto& st = self->state;
        st.text_flush_pending = false;
        if (st.s.status != "waiting") return;
        st.text_sent = std::chrono::steady_clock::now();
        st.env.service->to_router(st.s.workspace_id, workspace::conv_text{st.id, st.last_visitor_text});
      },
      [=](queue_position_msg& m) {
        handoff::acquire();
        auto& st = self->state;
        if (st.s.status != "waiting") return;
        st.frames->place(queue_position_frame(st.id, m.position));
      },
      [=](typing_msg& m) {
        handoff::acquire();
        auto& st = self->state;
        if (decide(st.s, m.who, mark_read{0}, 0).error.code == errc::not_found) return;
        party who = m.who.who;
        if (who.kind == "admin") who.kind = "agent";
        auto& entry = st.typing[who.id];
        ++entry.first;
        entry.second = who;
        nlohmann::json f{{"type", "typing"},
                         {"conversation_id", st.id},
                         {"sender", {{"kind", who.kind}, {"id", who.id}, {"name", who.name}}},
                         {"on", m.on}};
        st.frames->ephemeral(std::make_shared<const std::string>(f.dump()), who.id);
        if (m.on)
          self->delayed_send(self, st.env.opts.typing_timeout, typing_expired{who.id, entry.first});
        else
          st.typing.erase(who.id);
      },
      [=](typing_expired& t) {
        handoff::acquire();
        auto& st = self->state;
        auto it = st.typing.find(t.sender_id);
        if (it == st.typing.end() || it->second.first != t.generation) return;
        auto who = it->second.second;
        st.typing.erase(it);
        nlohmann::json f{{"type", "typing"},
                         {"conversation_id", st.id},
                         {"sender", {{"kind", who.kind}, {"id", who.id}, {"name", who.name}}},
                         {"on", false}};
        st.frames->ephemeral(std::make_shared<const std::string>(f.dump()), who.id);
      },
      [=](committed_msg& c) {
        handoff::acquire();
        auto& st = self->state;
        if (!c.result.st.ok()) {
          failure f{errc::unavailable, "storage failed: " + c.result.st.message()};
          fail_everything(st, f);
          // The log is read-only now: our optimistic state is void; refuse until retired.
          self->become(refusing(self, f));
          return;
        }
        // The ack and the frames already went out from the commit callback (see write()).
        if (c.needs_actor && !st.pending.empty()) {
          auto p = std::move(st.pending.front());
          st.pending.pop_front();
          if (p.info) p.info({}, info_of(st, c.result.last_position));
        }
        auto durable = st.frames->durable_seq();
        std::erase_if(st.after_durable, [&](auto& w) {
          if (w.first > durable) return false;
          w.second();
          return true;
        });
        if (st.after_durable.empty()) st.frames->wants_commits.store(false);
      },
      [=](idle_tick) {
        auto& st = self->state;
        auto idle_for = std::chrono::steady_clock::now() - st.last_active;
        if (!st.frames->watched() && st.frames->in_flight.load() == 0 && st.pending.empty() &&
            !st.webhook_in_flight && !st.external_bot_waits && !st.ai_in_flight &&
            idle_for >= st.env.opts.actor_idle &&
            st.env.service->retire(st.id, self)) {
          self->quit();
          return;
        }
        schedule_idle(self);
      },
      [=](webhook_answer& a) { handoff::acquire(), detail::on_webhook_answer(self, a); },
      [=](external_bot_due& d) { handoff::acquire(), detail::on_external_bot_due(self, d); },
      [=](wake_msg&) {},
      [=](ai_partial& p) { handoff::acquire(), detail::on_ai_partial(self, p); },
      [=](ai_done& d) { handoff::acquire(), detail::on_ai_done(self, d); },
      [=](hydrated_msg&) {},  // only expected before running
  };
}

caf::behavior conversation_actor(self_ptr self, actor_env env, std::string id, bool fresh) {
  self->state.env = env;
  self->state.id = id;
  self->state.frames = std::make_shared<feed>(id);
  if (fresh) {
    self->state.hydrated = true;
    schedule_idle(self);
    return running(self);
  }
  // Read the stream off the CAF workers; keep every other message until it is in.
  self->set_default_handler(caf::skip);
  env.readers->submit([h = caf::actor_cast<caf::actor>(self), log = env.log, id] {
    hydrated_msg m;
    std::uint64_t after = 0;
    for (;;) {
      auto before = m.evs.size();
      m.st = log->read_stream("conversation/" + id, after, 1024, m.evs);
      if (!m.st.ok() || m.evs.size() == before) break;
      after = m.evs.back().seq;
    }
    handoff::release();
    caf::anon_send(h, std::move(m));
  });
  return {
      [=](hydrated_msg& m) {
        handoff::acquire();
        auto& st = self->state;
        std::vector<stored_frame> frames;
        std::uint64_t durable_seq = 0, position = 0;
        if (m.st.ok()) {
          for (auto& env : m.evs) {
            auto e = decode_event(env.type, env.version, env.data);
            if (!e) {
              m.st = events::status::error("undecodable event in conversation/" + st.id);
              break;
            }
            evolve(st.s, *e);
            if (auto* m = std::get_if<message_posted>(&*e); m && m->sender.kind == "visitor")
              st.last_visitor_text = m->text.substr(0, 200);
            if (read_side_of(*e) != read_side::none)
              st.frames->remember_read({std::make_shared<const std::string>(render_frame(st.id, *e, env.data)),
                                        false, read_side_of(*e)});
            if (auto seq = wire_seq(*e)) {
              frames.push_back({std::make_shared<const std::string>(render_frame(st.id, *e, env.data)),
                                staff_only(*e)});
              durable_seq = seq;
            }
            position = env.position;
          }
        }
        st.frames->load(std::move(frames), durable_seq, position);
        st.hydrated = true;
        self->set_default_handler(caf::print_and_drop);
        if (!m.st.ok() || !st.s.exists()) {
          // Unknown conversation (or unreadable): answer what is queued, then stop.
          auto f = m.st.ok() ? failure{errc::not_found, "no such conversation"}
                             : failure{errc::internal, m.st.message()};
          self->become(refusing(self, f));
          return;
        }
        schedule_idle(self);
        self->become(running(self));
        if (st.s.status == "waiting")  // its visitor may come back: the router tells the place
          st.env.service->to_router(st.s.workspace_id, workspace::position_wanted{st.id});
        detail::resume_bot_work(self);
      },
  };
}

}  // namespace

caf::actor spawn_conversation(caf::actor_system& sys, const actor_env& env, std::string id,
                              bool fresh) {
  return sys.spawn(conversation_actor, env, std::move(id), fresh);
}

}  // namespace sb::conversation
