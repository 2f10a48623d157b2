#include "actors/workspace/router.hpp"

#include <algorithm>
#include <limits>

namespace sb::workspace {

int capacity_of(const router_state& r, const seat& s) { return s.capacity.value_or(r.default_capacity); }

std::string presence_of(const seat& s) {
  if (s.sockets == 0 && s.shown_offline) return "offline";
  return s.status;
}

bool available(const router_state& r, const seat& s) {
  return s.sockets > 0 && s.status == "online" && s.load() < capacity_of(r, s);
}

namespace {

void forget_waiting(router_state& r, const std::string& id) {
  if (auto it = r.key_of.find(id); it != r.key_of.end()) {
    r.queue.erase({it->second, id});
    r.key_of.erase(it);
  }
  if (auto d = r.dispatching.find(id); d != r.dispatching.end()) {
    if (auto s = r.seats.find(d->second); s != r.seats.end()) s->second.incoming.erase(id);
    r.dispatching.erase(d);
  }
}

void forget_owner(router_state& r, const std::string& id) {
  if (auto o = r.owners.find(id); o != r.owners.end()) {
    if (auto s = r.seats.find(o->second.agent_id); s != r.seats.end()) s->second.active.erase(id);
    r.owners.erase(o);
  }
}

}  // namespace

void on_waiting(router_state& r, queued item) {
  if (auto o = r.owners.find(item.id); o != r.owners.end()) {  // a requeue: keep what it showed
    if (item.visitor.id.empty()) item.visitor = o->second.item.visitor;
    if (item.last_text.empty()) item.last_text = o->second.item.last_text;
    if (item.site_key.empty()) item.site_key = o->second.item.site_key;
  }
  forget_owner(r, item.id);
  forget_waiting(r, item.id);
  r.key_of[item.id] = item.queue_key;
  auto key = std::make_pair(item.queue_key, item.id);
  r.queue.emplace(std::move(key), std::move(item));
}

void on_active(router_state& r, const std::string& id, const conversation::party& agent,
               std::int64_t now_ms) {
  owned o;
  if (auto it = r.key_of.find(id); it != r.key_of.end()) {
    o.queue_key = it->second;
    o.item = r.queue.at({it->second, id});
  } else if (auto prev = r.owners.find(id); prev != r.owners.end()) {
    o.queue_key = prev->second.queue_key;  // a transfer keeps the original place
    o.item = prev->second.item;
  }
  forget_waiting(r, id);
  forget_owner(r, id);
  o.agent_id = agent.id;
  auto& s = r.seats[agent.id];
  if (s.id.empty()) {
    s.id = agent.id;
    s.name = agent.name;
  }
  s.active.insert(id);
  if (now_ms) s.last_assigned_ms = now_ms;
  r.owners[id] = std::move(o);
}

void on_closed(router_state& r, const std::string& id) {
  forget_waiting(r, id);
  forget_owner(r, id);
}

void on_text(router_state& r, const std::string& id, const std::string& text) {
  if (auto it = r.key_of.find(id); it != r.key_of.end()) r.queue.at({it->second, id}).last_text = text;
}

std::optional<std::string> pick_agent(const router_state& r) {
  const seat* best = nullptr;
  for (auto& [id, s] : r.seats) {
    if (!available(r, s)) continue;
    if (!best || s.load() < best->load() ||
        (s.load() == best->load() && s.last_assigned_ms < best->last_assigned_ms))
      best = &s;
  }
  if (!best) return std::nullopt;
  return best->id;
}

std::vector<std::pair<std::string, std::string>> plan_dispatch(router_state& r, std::int64_t now_ms) {
  std::vector<std::pair<std::string, std::string>> out;
  if (r.mode != "auto") return out;
  for (auto it = r.queue.begin(); it != r.queue.end(); ++it) {
    auto& id = it->first.second;
    if (it->second.dispatching) continue;
    auto agent = pick_agent(r);
    if (!agent) break;
    auto& s = r.seats.at(*agent);
    s.incoming.insert(id);
    s.last_assigned_ms = now_ms;
    it->second.dispatching = true;
    r.dispatching[id] = *agent;
    out.emplace_back(id, *agent);
  }
  return out;
}

void dispatch_failed(router_state& r, const std::string& id) {
  auto d = r.dispatching.find(id);
  if (d == r.dispatching.end()) return;
  if (auto s = r.seats.find(d->second); s != r.seats.end()) s->second.incoming.erase(id);
  r.dispatching.erase(d);
  if (auto k = r.key_of.find(id); k != r.key_of.end()) r.queue.at({k->second, id}).dispatching = false;
}

std::vector<std::pair<std::string, std::int64_t>> plan_requeue(const router_state& r,
                                                               const std::string& agent_id) {
  auto s = r.seats.find(agent_id);
  if (s == r.seats.end()) return {};
  std::vector<std::pair<std::int64_t, std::string>> mine;
  for (auto& id : s->second.active)
    if (auto o = r.owners.find(id); o != r.owners.end()) mine.emplace_back(o->second.queue_key, id);
  std::sort(mine.begin(), mine.end());
  std::vector<std::pair<std::string, std::int64_t>> out;
  if (mine.empty()) return out;
  // Below the head of the queue, in their original order.
  auto head = r.queue.empty() ? std::numeric_limits<std::int64_t>::max() : r.queue.begin()->first.first;
  auto base = std::min(head, mine.front().first) - static_cast<std::int64_t>(mine.size());
  if (r.queue.empty() || mine.back().first < head) {
    for (auto& [key, id] : mine) out.emplace_back(id, key);  // already ahead: keep their keys
    return out;
  }
  for (std::size_t i = 0; i < mine.size(); ++i)
    out.emplace_back(mine[i].second, base + static_cast<std::int64_t>(i));
  return out;
}

std::vector<const queued*> shown_queue(const router_state& r) {
  std::vector<const queued*> out;
  out.reserve(r.queue.size());
  for (auto& [key, q] : r.queue)
    if (!q.dispatching) out.push_back(&q);
  return out;
}

std::size_t waiting_count(const router_state& r) { return r.queue.size() - r.dispatching.size(); }

}  // namespace sb::workspace
