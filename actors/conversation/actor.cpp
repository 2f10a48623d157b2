#include "actors/conversation/actor.hpp"

#include <chrono>
#include <deque>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "actors/chat_service_impl.hpp"
#include "actors/conversation/decide.hpp"
#include "actors/conversation/evolve.hpp"
#include "events/blocking_pool.hpp"
#include "events/log.hpp"

namespace sb::conversation {
namespace {

using frame_ptr = std::shared_ptr<const std::string>;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct pending_write {
  std::vector<event> events;
  ack_callback ack;    // for a posted message
  info_callback info;  // for control commands
  std::weak_ptr<frame_sink> watch;
  std::string watcher_id;
  std::vector<std::string> data;  // each event's encoded data, reused for its frame
};

struct subscriber {
  std::weak_ptr<frame_sink> sink;
  const frame_sink* key = nullptr;
  std::string party_id;
};

struct conversation_state {
  actor_env env;
  std::string id;
  bool hydrated = false;
  state s;
  std::vector<frame_ptr> frames;  // index seq - 1: every durable message/status frame
  std::uint64_t durable_seq = 0;
  std::uint64_t last_position = 0;
  std::deque<pending_write> pending;
  std::vector<std::pair<std::uint64_t, std::function<void()>>> after_durable;
  std::vector<subscriber> subs;
  std::unordered_map<std::string, std::pair<std::uint64_t, party>> typing;  // id -> (gen, who)
  std::chrono::steady_clock::time_point last_active = std::chrono::steady_clock::now();
  static inline const char* name = "conversation";
};

using self_ptr = caf::stateful_actor<conversation_state>*;

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
                        {"created_ts", s.created_ts},
                        {"updated_ts", s.updated_ts}}
      .dump();
}

conversation_info info_of(const conversation_state& st, std::uint64_t position) {
  return {st.s.id, st.s.status, st.durable_seq, info_json(st.s), position};
}

void publish(conversation_state& st, std::uint64_t seq, const frame_ptr& frame,
             const std::string& except_party = {}) {
  for (auto it = st.subs.begin(); it != st.subs.end();) {
    auto sink = it->sink.lock();
    if (!sink) {
      it = st.subs.erase(it);
      continue;
    }
    if (except_party.empty() || it->party_id != except_party) sink->deliver(st.id, seq, frame);
    ++it;
  }
}

void apply_durable(conversation_state& st, const event& e, const std::string& data) {
  auto seq = wire_seq(e);
  auto text = render_frame(st.id, e, data);
  if (text.empty()) return;
  auto frame = std::make_shared<const std::string>(std::move(text));
  if (seq) {
    st.frames.push_back(frame);
    st.durable_seq = seq;
  }
  publish(st, seq, frame);
}

void fail_everything(conversation_state& st, const failure& f) {
  for (auto& p : st.pending) {
    if (p.ack) p.ack(f, {});
    if (p.info) p.info(f, {});
  }
  st.pending.clear();
  for (auto& [seq, fn] : st.after_durable) fn();  // they answer from state; see post handler
  st.after_durable.clear();
}

// Appends the events (already applied to the optimistic state) and remembers who to answer.
void write(self_ptr self, pending_write p) {
  auto& st = self->state;
  std::vector<events::envelope> envs;
  envs.reserve(p.events.size());
  auto stream_seq = st.s.stream_seq;
  for (auto& e : p.events) {
    events::envelope env;
    env.type = type_name(e);
    env.version = 1;
    env.stream = "conversation/" + st.id;
    env.seq = ++stream_seq;
    env.data = encode_data(st.id, e);
    p.data.push_back(env.data);
    envs.push_back(std::move(env));
  }
  for (auto& e : p.events) evolve(st.s, e);
  st.pending.push_back(std::move(p));
  auto refused = st.env.writer->append(
      std::move(envs), [h = caf::actor_cast<caf::actor>(self)](const events::append_result& r) {
        caf::anon_send(h, committed_msg{r});
      });
  if (!refused.ok()) self->send(self, committed_msg{{refused, 0, 0, 0}});
}

// Answers everything with `f` and stops as soon as nothing more can reach it.
caf::behavior refusing(self_ptr self, failure f) {
  self->send(self, idle_tick{});
  return {
      [=](post_msg& p) { p.done(f, {}); },
      [=](control_msg& c) { c.done(f, {}); },
      [=](get_msg& g) { g.done(f, {}); },
      [=](subscribe_msg& s) { s.done(f, {}); },
      [=](unsubscribe_msg&) {},
      [=](typing_msg&) {},
      [=](committed_msg&) {},
      [=](typing_expired&) {},
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
        auto& st = self->state;
        st.last_active = std::chrono::steady_clock::now();
        auto o = m.open ? decide_open(st.s, st.id, *m.open, m.msg, now_ms())
                        : decide(st.s, m.who, post_message{m.msg}, now_ms());
        if (!o.ok()) return m.done(o.error, {});
        if (o.duplicate_of) {
          auto ref = *o.duplicate_of;
          auto answer = [self, ref, cid = m.msg.client_msg_id, done = m.done] {
            auto& st = self->state;
            if (ref.seq > st.durable_seq)
              return done({errc::unavailable, "the original message was not stored"}, {});
            done({}, ack_info{st.id, ref.seq, ref.ts, cid, st.last_position});
          };
          if (ref.seq <= st.durable_seq) return answer();
          st.after_durable.emplace_back(ref.seq, std::move(answer));
          return;
        }
        write(self, pending_write{std::move(o.events), std::move(m.done), nullptr, m.watch,
                                  m.who.who.id, {}});
      },
      [=](control_msg& m) {
        auto& st = self->state;
        st.last_active = std::chrono::steady_clock::now();
        auto o = decide(st.s, m.who, m.cmd, now_ms());
        if (!o.ok()) return m.done(o.error, {});
        if (o.events.empty()) return m.done({}, info_of(st, 0));
        write(self, pending_write{std::move(o.events), nullptr, std::move(m.done), {}, {}, {}});
      },
      [=](get_msg& m) {
        auto& st = self->state;
        principal who = m.who;
        auto o = decide(st.s, who, mark_read{0}, 0);  // reuse decide's access check
        if (o.error.code == errc::not_found) return m.done(o.error, {});
        m.done({}, info_of(st, 0));
      },
      [=](subscribe_msg& m) {
        auto& st = self->state;
        st.last_active = std::chrono::steady_clock::now();
        auto o = decide(st.s, m.who, mark_read{0}, 0);
        if (o.error.code == errc::not_found) return m.done(o.error, {});
        auto sink = m.sink.lock();
        if (!sink) return;
        m.done({}, info_of(st, 0));
        for (auto seq = m.after_seq; seq < st.durable_seq; ++seq)
          sink->deliver(st.id, seq + 1, st.frames[seq]);
        for (auto& s : st.subs)
          if (s.key == sink.get()) return;  // already subscribed: the backlog was the resume
        st.subs.push_back({m.sink, sink.get(), m.who.who.id});
      },
      [=](unsubscribe_msg& m) {
        auto& subs = self->state.subs;
        std::erase_if(subs, [&](const subscriber& s) { return s.key == m.sink; });
      },
      [=](typing_msg& m) {
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
        publish(st, 0, std::make_shared<const std::string>(f.dump()), who.id);
        if (m.on)
          self->delayed_send(self, st.env.opts.typing_timeout, typing_expired{who.id, entry.first});
        else
          st.typing.erase(who.id);
      },
      [=](typing_expired& t) {
        auto& st = self->state;
        auto it = st.typing.find(t.sender_id);
        if (it == st.typing.end() || it->second.first != t.generation) return;
        auto who = it->second.second;
        st.typing.erase(it);
        nlohmann::json f{{"type", "typing"},
                         {"conversation_id", st.id},
                         {"sender", {{"kind", who.kind}, {"id", who.id}, {"name", who.name}}},
                         {"on", false}};
        publish(st, 0, std::make_shared<const std::string>(f.dump()), who.id);
      },
      [=](committed_msg& c) {
        auto& st = self->state;
        if (st.pending.empty()) return;
        if (!c.result.st.ok()) {
          failure f{errc::unavailable, "storage failed: " + c.result.st.message()};
          fail_everything(st, f);
          // The log is read-only now: our optimistic state is void; refuse until retired.
          self->become(refusing(self, f));
          return;
        }
        auto p = std::move(st.pending.front());
        st.pending.pop_front();
        st.last_position = c.result.last_position;
        bool closed = false;
        for (auto& e : p.events)
          if (auto* sc = std::get_if<status_changed>(&e); sc && sc->status == "closed") closed = true;
        // the author's ack goes out before anyone's copy of the message
        if (p.ack) {
          for (auto& e : p.events)
            if (auto* m = std::get_if<message_posted>(&e))
              p.ack({}, ack_info{st.id, m->seq, m->ts, m->client_msg_id, c.result.last_position});
        }
        if (auto w = p.watch.lock()) {
          bool known = false;
          for (auto& s : st.subs) known = known || s.key == w.get();
          if (!known) st.subs.push_back({p.watch, w.get(), p.watcher_id});
        }
        for (std::size_t i = 0; i < p.events.size(); ++i) apply_durable(st, p.events[i], p.data[i]);
        if (p.info) p.info({}, info_of(st, c.result.last_position));
        if (closed) st.env.service->conversation_closed(st.s.visitor.id, st.id);
        std::erase_if(st.after_durable, [&](auto& w) {
          if (w.first > st.durable_seq) return false;
          w.second();
          return true;
        });
      },
      [=](idle_tick) {
        auto& st = self->state;
        auto idle_for = std::chrono::steady_clock::now() - st.last_active;
        std::erase_if(st.subs, [](const subscriber& s) { return s.sink.expired(); });
        if (st.subs.empty() && st.pending.empty() && idle_for >= st.env.opts.actor_idle &&
            st.env.service->retire(st.id, self)) {
          self->quit();
          return;
        }
        schedule_idle(self);
      },
      [=](hydrated_msg&) {},  // only expected before running
  };
}

caf::behavior conversation_actor(self_ptr self, actor_env env, std::string id, bool fresh) {
  self->state.env = env;
  self->state.id = id;
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
    caf::anon_send(h, std::move(m));
  });
  return {
      [=](hydrated_msg& m) {
        auto& st = self->state;
        if (m.st.ok()) {
          for (auto& env : m.evs) {
            auto e = decode_event(env.type, env.version, env.data);
            if (!e) {
              m.st = events::status::error("undecodable event in conversation/" + st.id);
              break;
            }
            evolve(st.s, *e);
            if (auto seq = wire_seq(*e)) {
              st.frames.push_back(
                  std::make_shared<const std::string>(render_frame(st.id, *e, env.data)));
              st.durable_seq = seq;
            }
            st.last_position = env.position;
          }
        }
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
      },
  };
}

}  // namespace

caf::actor spawn_conversation(caf::actor_system& sys, const actor_env& env, std::string id,
                              bool fresh) {
  return sys.spawn(conversation_actor, env, std::move(id), fresh);
}

}  // namespace sb::conversation
