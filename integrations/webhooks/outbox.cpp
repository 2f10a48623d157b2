#include "integrations/webhooks/outbox.hpp"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "events/log.hpp"
#include "events/thread_name.hpp"
#include "integrations/egress.hpp"
#include "integrations/signature.hpp"
#include "integrations/webhooks/webhook_directory.hpp"
#include "integrations/webhooks/webhook_payload.hpp"

namespace sb::integrations {
namespace {
using json = nlohmann::json;
using steady = std::chrono::steady_clock;

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string pos_key(std::uint64_t p) {
  char b[24];
  std::snprintf(b, sizeof b, "%020llu", static_cast<unsigned long long>(p));
  return b;
}
std::string endpoint_prefix(const std::string& id) { return "outbox/" + id + "/"; }
std::string cursor_key(const std::string& id) { return endpoint_prefix(id) + "cursor"; }
std::string delivery_prefix(const std::string& id) { return endpoint_prefix(id) + "d/"; }

// The webhook type of a log event type, "" for events no webhook carries.
const char* outgoing_type(const std::string& t) {
  if (t == "message_posted") return "message.created";
  if (t == "status_changed") return "conversation.status_changed";
  if (t == "conversation_opened") return "conversation.created";
  if (t == "visitor_identified") return "visitor.identified";
  return "";
}

struct item {
  std::uint64_t position = 0;
  std::int64_t ts = 0;
  std::string type, conversation_id, body;
  int attempts = 0;
  std::int64_t first_attempt_ms = 0;
  steady::time_point next_at{};
};

struct lane {
  std::deque<item> q;
  bool in_flight = false;
  std::uint64_t done = 0;  // every event of this lane up to here is delivered or given up
};

struct endpoint_state {
  webhook_endpoint ep;
  std::uint64_t read_pos = 0;
  std::vector<lane> lanes;
  std::size_t queued = 0;
  bool dirty = false;
  std::set<std::uint64_t> recorded;  // positions in the delivery log
  std::unordered_map<std::uint64_t, item> manual;  // redeliveries in flight
};

struct result {
  std::string id;
  std::size_t lane = 0;
  std::uint64_t position = 0;
  bool manual = false;
  egress_response res;
};

// What egress callbacks reach; shared so that a late callback never touches a dead outbox.
struct mailbox {
  std::mutex m;
  std::condition_variable cv;
  bool stopping = false;
  std::deque<result> results;
  std::deque<std::pair<std::string, std::uint64_t>> manual;
  std::uint64_t target = 0;
};

}  // namespace

struct webhook_outbox::impl {
  impl(events::event_log& l, egress_client& e, const webhook_directory& h,
       std::function<std::string(const std::string&)> w, options o, outbox_counters c, std::atomic<std::size_t>& b)
      : log(l), egress(e), hooks(h), workspace_of(std::move(w)), opts(o), counters(std::move(c)), backlog(b),
        box(std::make_shared<mailbox>()), rng(std::random_device{}()) {
    if (opts.lanes == 0) opts.lanes = 1;
  }

  events::event_log& log;
  egress_client& egress;
  const webhook_directory& hooks;
  std::function<std::string(const std::string&)> workspace_of;
  options opts;
  outbox_counters counters;
  std::atomic<std::size_t>& backlog;
  std::shared_ptr<mailbox> box;
  std::thread thread;

  // Outbox thread only:
  std::unordered_map<std::string, endpoint_state> eps;
  std::uint64_t seen_version = ~std::uint64_t{0};
  std::unordered_map<std::string, std::string> ws_cache;
  bool egress_down = false;
  std::mt19937 rng;
  rocksdb::WriteBatch wb;

  void run() {
    events::name_this_thread("sb-outbox");
    auto next_wake = steady::now();
    for (;;) {
      std::deque<result> rs;
      std::deque<std::pair<std::string, std::uint64_t>> ms;
      {
        std::unique_lock lk(box->m);
        box->cv.wait_until(lk, next_wake, [&] {
          return box->stopping || !box->results.empty() || !box->manual.empty() ||
                 hooks.version() != seen_version || wants_read(box->target);
        });
        if (box->stopping) break;
        rs.swap(box->results);
        ms.swap(box->manual);
      }
      if (hooks.version() != seen_version) reconcile();
      for (auto& r : rs) on_result(r);
      for (auto& [id, pos] : ms) start_manual(id, pos);
      auto now = steady::now();
      next_wake = now + std::chrono::seconds(1);
      for (auto& [id, ep] : eps) {
        fill(ep);
        // Committed but not yet in the read model: look again shortly.
        if (ep.read_pos < box_target() && ep.queued < opts.max_queued)
          next_wake = std::min(next_wake, now + std::chrono::milliseconds(5));
        if (!egress_down) dispatch(ep, now, next_wake);
        if (ep.dirty) save_cursor(ep);
        prune(ep);
      }
      flush();
    }
    for (auto& [id, ep] : eps) save_cursor(ep);
    flush();
  }

  bool wants_read(std::uint64_t target) const {
    target = std::min(target, readable());
    for (auto& [id, ep] : eps)
      if (ep.read_pos < target && ep.queued < opts.max_queued) return true;
    return false;
  }

  std::uint64_t box_target() {
    std::lock_guard lk(box->m);
    return box->target;
  }

  void reconcile() {
    seen_version = hooks.version();
    auto list = hooks.endpoints();
    std::set<std::string> live;
    for (auto& e : list) {
      live.insert(e.id);
      auto it = eps.find(e.id);
      if (it != eps.end()) {
        it->second.ep = e;
        continue;
      }
      auto& st = eps[e.id];
      st.ep = e;
      load(st);
    }
    for (auto it = eps.begin(); it != eps.end();) {
      if (live.count(it->first)) {
        ++it;
        continue;
      }
      backlog.fetch_sub(it->second.queued, std::memory_order_relaxed);
      auto prefix = endpoint_prefix(it->first);
      wb.DeleteRange(log.state_cf(), prefix, prefix.substr(0, prefix.size() - 1) + "0");  // '/' + 1
      it = eps.erase(it);
    }
  }

  void load(endpoint_state& st) {
    st.lanes.assign(opts.lanes, lane{});
    st.read_pos = st.ep.since_position;
    for (auto& l : st.lanes) l.done = st.read_pos;
    std::string value;
    auto s = log.db()->Get(rocksdb::ReadOptions(), log.state_cf(), cursor_key(st.ep.id), &value);
    if (s.ok()) {
      auto c = json::parse(value, nullptr, false);
      if (c.is_object()) {
        st.read_pos = c.value("read", st.read_pos);
        auto lanes = c.value("lanes", json::array());
        for (std::size_t i = 0; i < st.lanes.size(); ++i)
          st.lanes[i].done = lanes.size() == st.lanes.size() ? lanes[i].get<std::uint64_t>() : st.read_pos;
      }
    }
    auto prefix = delivery_prefix(st.ep.id);
    std::unique_ptr<rocksdb::Iterator> it(log.db()->NewIterator(rocksdb::ReadOptions(), log.state_cf()));
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next())
      st.recorded.insert(std::stoull(it->key().ToString().substr(prefix.size())));
  }

  std::string workspace_of_conversation(const std::string& cid) {
    auto it = ws_cache.find(cid);
    if (it != ws_cache.end()) return it->second;
    if (ws_cache.size() > 500000) ws_cache.clear();
    auto ws = workspace_of ? workspace_of(cid) : std::string();
    if (!ws.empty()) ws_cache.emplace(cid, ws);  // unknown yet (the read model lags): ask again
    return ws;
  }

  std::uint64_t readable() const {
    auto last = log.last_position();
    return opts.read_limit ? std::min(last, opts.read_limit()) : last;
  }

  void fill(endpoint_state& st) {
    auto last = readable();
    while (st.queued < opts.max_queued && st.read_pos < last) {
      std::vector<events::envelope> evs;
      if (auto s = log.read_from(st.read_pos, 256, evs); !s) {
        std::fprintf(stderr, "outbox: cannot read the log: %s\n", s.message().c_str());
        return;
      }
      if (evs.empty()) return;
      for (auto& env : evs) {
        st.read_pos = env.position;
        std::string type = outgoing_type(env.type);
        if (type.empty()) continue;
        std::optional<outgoing_event> out;
        std::string ws;
        if (type == "conversation.created" || type == "visitor.identified") {
          out = to_outgoing(env);
          if (!out) continue;
          ws = out->workspace_id;
          if (type == "conversation.created") ws_cache[out->conversation_id] = ws;
        } else {
          ws = workspace_of_conversation(env.stream.substr(13));  // "conversation/"
        }
        if (ws != st.ep.workspace_id || !st.ep.wants(type)) continue;
        if (!out) out = to_outgoing(env);
        if (!out) continue;
        auto& ln = st.lanes[std::hash<std::string>{}(out->lane_key) % st.lanes.size()];
        if (env.position <= ln.done) continue;  // delivered before a restart
        item it;
        it.position = env.position;
        it.ts = env.ts;
        it.type = out->type;
        it.conversation_id = out->conversation_id;
        it.body = payload_text(*out, env.position, env.ts, ws);
        ln.q.push_back(std::move(it));
        ++st.queued;
        backlog.fetch_add(1, std::memory_order_relaxed);
      }
    }
  }

  void dispatch(endpoint_state& st, steady::time_point now, steady::time_point& next_wake) {
    for (std::size_t i = 0; i < st.lanes.size(); ++i) {
      auto& ln = st.lanes[i];
      if (ln.in_flight || ln.q.empty()) continue;
      auto& it = ln.q.front();
      if (it.next_at > now) {
        next_wake = std::min(next_wake, it.next_at);
        continue;
      }
      ln.in_flight = true;
      send(st, i, it, false);
    }
  }

  void send(endpoint_state& st, std::size_t lane_index, item& it, bool manual) {
    ++it.attempts;
    if (!it.first_attempt_ms) it.first_attempt_ms = wall_ms();
    auto ts = wall_ms() / 1000;
    egress_request r;
    r.method = "POST";
    r.url = st.ep.url;
    r.body = it.body;
    r.timeout = opts.timeout;
    r.headers = {{"Content-Type", "application/json"},
                 {"X-Switchboard-Event", it.type},
                 {"X-Switchboard-Delivery", "evt_" + std::to_string(it.position)},
                 {"X-Switchboard-Timestamp", std::to_string(ts)},
                 {"X-Switchboard-Signature", webhook_signature(st.ep.secret, ts, it.body)}};
    std::weak_ptr<mailbox> weak = box;
    egress.send(std::move(r), [weak, id = st.ep.id, lane_index, pos = it.position, manual](egress_response res) {
      auto b = weak.lock();
      if (!b) return;
      {
        std::lock_guard lk(b->m);
        b->results.push_back({id, lane_index, pos, manual, std::move(res)});
      }
      b->cv.notify_one();
    });
  }

  void on_result(result& r) {
    auto found = eps.find(r.id);
    if (found == eps.end()) return;  // the endpoint was deleted meanwhile
    auto& st = found->second;
    if (r.res.error == "stopped") {
      egress_down = true;  // shutting down: the event stays queued and goes out next start
      if (!r.manual) st.lanes[r.lane].in_flight = false;
      return;
    }
    if (r.manual) {
      auto m = st.manual.find(r.position);
      if (m == st.manual.end()) return;
      record(st, m->second, r.res.ok() ? "delivered" : "failed", r.res, true);
      st.manual.erase(m);
      return;
    }
    auto& ln = st.lanes[r.lane];
    ln.in_flight = false;
    if (ln.q.empty() || ln.q.front().position != r.position) return;
    auto& it = ln.q.front();
    bool give_up = wall_ms() - it.first_attempt_ms >= opts.give_up_after.count();
    if (!r.res.ok() && !give_up) {
      if (counters.retried) counters.retried();
      double backoff = static_cast<double>(opts.retry_base.count()) * std::pow(2.0, std::min(it.attempts - 1, 30));
      backoff = std::min(backoff, static_cast<double>(opts.retry_max.count()));
      backoff *= std::uniform_real_distribution<double>(0.8, 1.2)(rng);
      it.next_at = steady::now() + std::chrono::milliseconds(static_cast<std::int64_t>(backoff));
      record(st, it, "retrying", r.res, false, wall_ms() + static_cast<std::int64_t>(backoff));
      return;
    }
    if (r.res.ok()) {
      if (counters.delivered) counters.delivered();
      // The receiver is back: the other lanes' retries need not wait out their backoff.
      if (it.attempts > 1)
        for (auto& other : st.lanes)
          if (!other.in_flight && !other.q.empty()) other.q.front().next_at = {};
    } else if (counters.failed) {
      counters.failed();
    }
    record(st, it, r.res.ok() ? "delivered" : "failed", r.res, false);
    ln.done = it.position;
    ln.q.pop_front();
    --st.queued;
    backlog.fetch_sub(1, std::memory_order_relaxed);
    st.dirty = true;
  }

  void start_manual(const std::string& id, std::uint64_t position) {
    auto found = eps.find(id);
    if (found == eps.end() || found->second.manual.count(position)) return;
    auto& st = found->second;
    std::vector<events::envelope> evs;
    if (!log.read_from(position - 1, 1, evs) || evs.empty() || evs[0].position != position) return;
    auto out = to_outgoing(evs[0]);
    if (!out) return;
    std::string ws = out->workspace_id.empty() ? workspace_of_conversation(out->conversation_id) : out->workspace_id;
    if (ws != st.ep.workspace_id) return;
    item it;
    it.position = position;
    it.ts = evs[0].ts;
    it.type = out->type;
    it.conversation_id = out->conversation_id;
    it.body = payload_text(*out, position, evs[0].ts, ws);
    auto& m = st.manual[position] = std::move(it);
    if (egress_down) return;
    send(st, 0, m, true);
  }

  void record(endpoint_state& st, const item& it, const char* status, const egress_response& res, bool manual,
              std::int64_t next_attempt_ms = 0) {
    json j{{"id", "evt_" + std::to_string(it.position)},
           {"event_type", it.type},
           {"conversation_id", it.conversation_id.empty() ? json(nullptr) : json(it.conversation_id)},
           {"status", status},
           {"attempts", it.attempts},
           {"response_status", res.status ? json(res.status) : json(nullptr)},
           {"error", res.error.empty() ? json(nullptr) : json(res.error)},
           {"duration_ms", res.elapsed.count() / 1000},
           {"created_ts", it.ts},
           {"last_attempt_ts", wall_ms()},
           {"next_attempt_ts", next_attempt_ms ? json(next_attempt_ms) : json(nullptr)},
           {"manual", manual}};
    wb.Put(log.state_cf(), delivery_prefix(st.ep.id) + pos_key(it.position), j.dump());
    st.recorded.insert(it.position);
  }

  void save_cursor(endpoint_state& st) {
    std::uint64_t low = st.read_pos;
    json lanes = json::array();
    for (auto& ln : st.lanes) {
      if (!ln.q.empty()) low = std::min(low, ln.q.front().position - 1);
      lanes.push_back(ln.done);
    }
    wb.Put(log.state_cf(), cursor_key(st.ep.id), json{{"read", low}, {"lanes", lanes}}.dump());
    st.dirty = false;
  }

  void prune(endpoint_state& st) {
    if (st.recorded.size() <= opts.keep_deliveries + 1000) return;
    auto cut = std::prev(st.recorded.end(), static_cast<std::ptrdiff_t>(opts.keep_deliveries));
    auto prefix = delivery_prefix(st.ep.id);
    wb.DeleteRange(log.state_cf(), prefix + pos_key(*st.recorded.begin()), prefix + pos_key(*cut));
    st.recorded.erase(st.recorded.begin(), cut);
  }

  void flush() {
    if (wb.Count() == 0) return;
    // WAL on, no fsync: a killed process loses nothing, a power cut at most the last moments
    // (those events are then delivered again, which their ids make harmless).
    auto s = log.db()->Write(rocksdb::WriteOptions(), &wb);
    if (!s.ok()) std::fprintf(stderr, "outbox: cannot save cursors: %s\n", s.ToString().c_str());
    wb.Clear();
  }
};

webhook_outbox::webhook_outbox(events::event_log& log, egress_client& egress, const webhook_directory& hooks,
                               std::function<std::string(const std::string&)> workspace_of, options opts,
                               outbox_counters counters)
    : impl_(std::make_unique<impl>(log, egress, hooks, std::move(workspace_of), opts, std::move(counters), backlog_)) {}

webhook_outbox::~webhook_outbox() { stop(); }

void webhook_outbox::start() {
  if (impl_->thread.joinable()) return;
  impl_->box->target = impl_->log.last_position();
  impl_->thread = std::thread([p = impl_.get()] { p->run(); });
}

void webhook_outbox::stop() {
  if (!impl_->thread.joinable()) return;
  {
    std::lock_guard lk(impl_->box->m);
    impl_->box->stopping = true;
  }
  impl_->box->cv.notify_one();
  impl_->thread.join();
}

void webhook_outbox::notify(std::uint64_t last_position) {
  {
    std::lock_guard lk(impl_->box->m);
    if (last_position <= impl_->box->target) return;
    impl_->box->target = last_position;
  }
  impl_->box->cv.notify_one();
}

json webhook_outbox::deliveries(const std::string& webhook_id, std::size_t limit, std::uint64_t before) const {
  auto prefix = delivery_prefix(webhook_id);
  std::unique_ptr<rocksdb::Iterator> it(impl_->log.db()->NewIterator(rocksdb::ReadOptions(), impl_->log.state_cf()));
  if (before) it->SeekForPrev(prefix + pos_key(before - 1));
  else it->SeekForPrev(prefix + "~");
  json items = json::array();
  std::uint64_t last = 0;
  for (; it->Valid() && it->key().starts_with(prefix) && items.size() < limit; it->Prev()) {
    auto j = json::parse(it->value().ToString(), nullptr, false);
    if (!j.is_object()) continue;
    last = std::stoull(it->key().ToString().substr(prefix.size()));
    items.push_back(std::move(j));
  }
  bool more = it->Valid() && it->key().starts_with(prefix);
  return {{"items", items}, {"next_cursor", more && last ? json(std::to_string(last)) : json(nullptr)}};
}

failure webhook_outbox::redeliver(const std::string& webhook_id, std::uint64_t position) {
  std::string value;
  auto s = impl_->log.db()->Get(rocksdb::ReadOptions(), impl_->log.state_cf(),
                                delivery_prefix(webhook_id) + pos_key(position), &value);
  if (s.IsNotFound()) return {errc::not_found, "no such delivery"};
  if (!s.ok()) return {errc::unavailable, "cannot read the delivery log"};
  {
    std::lock_guard lk(impl_->box->m);
    impl_->box->manual.emplace_back(webhook_id, position);
  }
  impl_->box->cv.notify_one();
  return {};
}

}  // namespace sb::integrations
