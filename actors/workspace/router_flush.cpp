#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>

#include "actors/chat_service_impl.hpp"
#include "actors/conversation/actor.hpp"
#include "actors/json_text.hpp"
#include "actors/workspace/router_actor.hpp"
#include "actors/workspace/router_actor_state.hpp"

namespace sb::workspace::detail {
using json = nlohmann::json;

namespace {
// A pushed queue frame lists this many (their size, times every staff socket, times the
// flushes, must stay bounded however long the queue grows).
constexpr std::size_t kFrameItems = 100;
// Visitors this close to the head hear every change of their place; the others at most once a
// second (with 1,000 waiting and fast agents, every flush moves everyone).
constexpr std::size_t kEagerPositions = 20;
// Queue frames to one staff socket stay under this many bytes a second: a long queue's frame
// (100 items, ~22 KB) goes out every ~220 ms instead of every 50 ms, so 50 agents watching a
// queue of 1,000 cost ~5 MB/s of egress, not ~22 MB/s. Short queues keep the 50 ms.
constexpr std::size_t kQueueBytesPerSecond = 100'000;
// A pass over the deeper places tells kDeepPerStep of them every kDeepStep (3,200 a second:
// a pass over 1,000 waiting takes ~0.3 s, over 8,000 ~2.5 s), independently of the queue
// frames' interval (up to ~220 ms for a long queue). A step is ~1 ms of work in all (64
// visitors' actors and sockets) where a flush used to tell up to 256 at once.
constexpr std::size_t kDeepPerStep = 64;
constexpr auto kDeepStep = std::chrono::milliseconds(20);
}  // namespace

visitor_label label_of(const router_actor_state& st, const conversation::party& v) {
  auto& label = st.service->env.opts.visitor_label;
  if (!label) return std::nullopt;
  return label(st.r.workspace_id, v.id);
}

void append_visitor(std::string& out, const conversation::party& v, const visitor_label& label) {
  out.push_back('{');
  json_text::field(out, "kind", v.kind, true);
  json_text::field(out, "id", v.id);
  json_text::field(out, "name", label && !label->first.empty() ? label->first : v.name);
  if (label) {
    if (label->second.empty()) out += R"(,"email":null)";
    else json_text::field(out, "email", label->second);
  }
  out.push_back('}');
}

void push_to(router_actor_state& st, const frame_ptr& frame, const std::string& only_user) {
  std::erase_if(st.sockets, [](const staff_socket& s) { return s.sink.expired(); });
  for (auto& s : st.sockets)
    if (only_user.empty() || s.user_id == only_user)
      if (auto sink = s.sink.lock()) sink->push(frame);
}

json presence_frame(const router_state& r, const seat& s) {
  return {{"type", "presence"},      {"user_id", s.id},    {"name", s.name}, {"presence", presence_of(s)},
          {"active", s.active.size()}, {"capacity", capacity_of(r, s)}};
}

void announce(self_ptr self, seat& s, bool structural) {
  auto& st = self->state;
  {
    std::lock_guard lock{st.service->snapshot_mutex};
    st.service->presence[st.r.workspace_id][s.id] = {presence_of(s), static_cast<int>(s.active.size())};
  }
  s.announced_active = s.active.size();
  (structural ? st.presence_dirty : st.counts_dirty).insert(s.id);
  mark_dirty(self, structural);
}


// Renders (or reuses) an item's JSON after its position: a flush touches at most 100 items,
// most of them unchanged since the last flush.
static const std::string& shown(const router_actor_state& st, queued& q) {
  auto label = label_of(st, q.visitor);
  if (!q.shown.empty() && label == q.shown_label && q.last_text == q.shown_text) return q.shown;
  std::string out;
  out.reserve(200);
  json_text::field(out, "conversation_id", q.id);
  json_text::field(out, "since_ts", q.since_ts);
  out += R"(,"visitor":)";
  append_visitor(out, q.visitor, label);
  if (q.last_text.empty()) out += R"(,"last_text":null)";
  else json_text::field(out, "last_text", q.last_text);
  out.push_back('}');
  q.shown = std::move(out);
  q.shown_label = std::move(label);
  q.shown_text = q.last_text;
  return q.shown;
}

std::string queue_text(router_actor_state& st, std::size_t max_items) {
  auto& r = st.r;
  std::string out = R"({"waiting":[)";
  std::size_t pos = 0;
  for (auto& [key, q] : r.queue) {
    if (pos == max_items) break;
    if (q.dispatching) continue;
    if (pos) out.push_back(',');
    out += R"({"position":)";
    out += std::to_string(++pos);
    out += shown(st, q);
  }
  out += R"(],"total":)";
  out += std::to_string(waiting_count(r));
  out.push_back('}');
  return out;
}

// Each waiting visitor whose place changed hears its new one: the first kEagerPositions on every
// flush, newcomers at the tail at once, and the deeper places by a pass over the rest of the
// queue that starts at most once a second and goes on in small steps (positions_step), so
// that nothing stalls the dispatches behind it with a message to every waiting visitor (1,000
// waiting: ~15 ms of work at once).
static void tell_positions(self_ptr self) {
  auto& st = self->state;
  const std::size_t waiting = waiting_count(st.r);  // not counting those being dispatched
  std::size_t pos = 0;
  for (auto& [key, q] : st.r.queue) {
    if (q.dispatching) continue;
    if (++pos > kEagerPositions) break;
    if (q.told_position == pos) continue;
    q.told_position = pos;
    st.service->route(q.id, conversation::queue_position_msg{pos});
  }
  // Newcomers join at the tail: they hear their place at once.
  std::size_t tail = waiting;
  for (auto it = st.r.queue.rbegin(); it != st.r.queue.rend() && tail > kEagerPositions; ++it) {
    auto& q = it->second;
    if (q.dispatching) continue;
    if (q.told_position != 0) break;
    q.told_position = tail;
    st.service->route(q.id, conversation::queue_position_msg{tail--});
  }
  positions_step(self, false);  // the deeper places: on their own tick, not in this flush
}

void positions_step(self_ptr self, bool work) {
  auto& st = self->state;
  auto now = clock::now();
  const std::size_t waiting = waiting_count(st.r);
  const bool deep = waiting > kEagerPositions;
  if (work && !st.deep_pass && st.positions_stale && deep && now - st.positions_told >= std::chrono::seconds(1)) {
    st.deep_pass = true;  // a pass starts, after the eager places
    st.deep_from.reset();
    st.positions_told = now;
    st.positions_stale = false;
  }
  if (work && st.deep_pass) {
    std::size_t pos = 0, told = 0;
    bool more = false;
    for (auto& [key, q] : st.r.queue) {
      if (q.dispatching) continue;
      if (++pos <= kEagerPositions) continue;
      if (st.deep_from && key < *st.deep_from) continue;  // told earlier in this pass
      if (told == kDeepPerStep) {
        st.deep_from = key;  // the next step goes on from here (the head may have moved)
        more = true;
        break;
      }
      ++told;
      if (q.told_position == pos) continue;
      q.told_position = pos;
      st.service->route(q.id, conversation::queue_position_msg{pos});
    }
    st.deep_pass = more;
  }
  // The next step: soon while a pass goes on, else when the next pass may start.
  std::optional<clock::time_point> next;
  if (st.deep_pass) next = now + kDeepStep;
  else if (st.positions_stale && deep) next = std::max(now + kDeepStep, st.positions_told + std::chrono::seconds(1));
  if (!next || (st.positions_due && *st.positions_due <= *next)) return;
  st.positions_due = next;
  self->delayed_send(self, std::chrono::duration_cast<std::chrono::milliseconds>(*next - now) +
                               std::chrono::milliseconds(1),
                     positions_tick{});
}

void flush(self_ptr self) {
  auto& st = self->state;
  st.dirty = false;
  auto now = clock::now();
  st.last_flush = now;
  auto frame = R"({"type":"queue",)" + queue_text(st, kFrameItems).substr(1);
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
  tell_positions(self);
}

std::chrono::milliseconds coalesce_interval(const router_actor_state& st) {
  auto by_bytes = std::chrono::milliseconds(st.queue_sent.size() * 1000 / kQueueBytesPerSecond);
  return std::max(st.service->env.opts.queue_coalesce, by_bytes);
}

// Queue frames go out at once, then at most once per coalesce interval for changes of who
// waits and in which order (50 ms, longer for long queues: coalesce_interval), and at most
// once a second for a new last_text only (a busy waiting visitor must not make every staff
// socket re-read the queue per message).
void mark_dirty(self_ptr self, bool structural) {
  auto& st = self->state;
  st.dirty = true;
  auto every = structural ? coalesce_interval(st) : std::chrono::milliseconds(std::chrono::seconds(1));
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

}  // namespace sb::workspace::detail
