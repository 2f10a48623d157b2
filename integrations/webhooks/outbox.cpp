#include "integrations/webhooks/outbox.hpp"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "events/log.hpp"
#include "events/thread_name.hpp"
#include "integrations/egress.hpp"
#include "integrations/signature.hpp"
#include "integrations/webhooks/delivery_log.hpp"
#include "integrations/webhooks/webhook_directory.hpp"
#include "integrations/webhooks/webhook_payload.hpp"
#include "integrations/worker.hpp"

namespace sb::integrations {
namespace {
using json = nlohmann::json;
using steady = std::chrono::steady_clock;

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct item {
  std::uint64_t position = 0;
  std::int64_t ts = 0;
  std::string type, conversation_id, body;
  int attempts = 0;
  std::int64_t first_attempt_ms = 0;
  steady::time_point next_at{};

  static item of(const outgoing_event& out, const events::envelope& env, const std::string& workspace_id) {
    return {env.position, env.ts, out.type, out.conversation_id, payload_text(out, env.position, env.ts, workspace_id)};
  }
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

// Egress answers, and redeliveries asked for by hand (endpoint id, position).
struct outbox_box : mailbox<result> {
  std::deque<std::pair<std::string, std::uint64_t>> manual;
};

}  // namespace

struct webhook_outbox::impl {
  impl(events::event_log& l, egress_client& e, const webhook_directory& h,
       std::function<std::string(const std::string&)> w, options o, outbox_counters c, std::atomic<std::size_t>& b)
      : log(l), egress(e), hooks(h), workspace_of(std::move(w)), opts(o), counters(std::move(c)), backlog(b),
        box(std::make_shared<outbox_box>()), rng(std::random_device{}()) {
    if (opts.lanes == 0) opts.lanes = 1;
  }

  events::event_log& log;
  egress_client& egress;
  const webhook_directory& hooks;
  std::function<std::string(const std::string&)> workspace_of;
  options opts;
  outbox_counters counters;
  std::atomic<std::size_t>& backlog;
  std::shared_ptr<outbox_box> box;
  worker thread;

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
          return box->stopping || !box->items.empty() || !box->manual.empty() ||
                 hooks.version() != seen_version || wants_read(box->target);
        });
        if (box->stopping) break;
        rs.swap(box->items);
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
        if (ep.read_pos < box->target_now() && ep.queued < opts.max_queued)
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
      delivery_log::erase(wb, log, it->first);
      it = eps.erase(it);
    }
  }

  void load(endpoint_state& st) {
    st.lanes.assign(opts.lanes, lane{});
    st.read_pos = st.ep.since_position;
    for (auto& l : st.lanes) l.done = st.read_pos;
    std::string value;
    auto s = log.db()->Get(rocksdb::ReadOptions(), log.state_cf(), delivery_log::cursor_key(st.ep.id), &value);
    if (s.ok()) {
      auto c = json::parse(value, nullptr, false);
      if (c.is_object()) {
        st.read_pos = c.value("read", st.read_pos);
        auto lanes = c.value("lanes", json::array());
        for (std::size_t i = 0; i < st.lanes.size(); ++i)
          st.lanes[i].done = lanes.size() == st.lanes.size() ? lanes[i].get<std::uint64_t>() : st.read_pos;
      }
    }
    st.recorded = delivery_log::positions(log, st.ep.id);
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
        std::string type = outgoing_type(env.type);  // cheap: no parse
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
        ln.q.push_back(item::of(*out, env, ws));
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
    std::weak_ptr<mailbox<result>> weak = box;
    egress.send(std::move(r), [weak, id = st.ep.id, lane_index, pos = it.position, manual](egress_response res) {
      mailbox<result>::post(weak, {id, lane_index, pos, manual, std::move(res)});
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
      auto backoff = retry_delay(opts.retry_base, opts.retry_max, it.attempts, rng);
      it.next_at = steady::now() + backoff;
      record(st, it, "retrying", r.res, false, wall_ms() + backoff.count());
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
    auto& m = st.manual[position] = item::of(*out, evs[0], ws);
    if (egress_down) return;
    send(st, 0, m, true);
  }

  void record(endpoint_state& st, const item& it, const char* status, const egress_response& res, bool manual,
              std::int64_t next_attempt_ms = 0) {
    delivery_log::entry e{it.position, it.type, it.conversation_id, status, it.attempts, it.ts, next_attempt_ms, manual};
    wb.Put(log.state_cf(), delivery_log::entry_key(st.ep.id, it.position), delivery_log::entry_text(e, res));
    st.recorded.insert(it.position);
  }

  void save_cursor(endpoint_state& st) {
    std::uint64_t low = st.read_pos;
    json lanes = json::array();
    for (auto& ln : st.lanes) {
      if (!ln.q.empty()) low = std::min(low, ln.q.front().position - 1);
      lanes.push_back(ln.done);
    }
    wb.Put(log.state_cf(), delivery_log::cursor_key(st.ep.id), json{{"read", low}, {"lanes", lanes}}.dump());
    st.dirty = false;
  }

  void prune(endpoint_state& st) {
    if (st.recorded.size() <= opts.keep_deliveries + 1000) return;
    auto cut = std::prev(st.recorded.end(), static_cast<std::ptrdiff_t>(opts.keep_deliveries));
    delivery_log::erase(wb, log, st.ep.id, *st.recorded.begin(), *cut);
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
  if (impl_->thread.running()) return;
  impl_->box->raise(impl_->log.last_position());
  impl_->thread.start([p = impl_.get()] { p->run(); });
}

void webhook_outbox::stop() { impl_->thread.stop(*impl_->box); }

void webhook_outbox::notify(std::uint64_t last_position) { impl_->box->raise(last_position); }

json webhook_outbox::deliveries(const std::string& webhook_id, std::size_t limit, std::uint64_t before) const {
  return delivery_log::page(impl_->log, webhook_id, limit, before);
}

failure webhook_outbox::redeliver(const std::string& webhook_id, std::uint64_t position) {
  bool read_failed = false;
  if (!delivery_log::contains(impl_->log, webhook_id, position, read_failed))
    return read_failed ? failure{errc::unavailable, "cannot read the delivery log"}
                       : failure{errc::not_found, "no such delivery"};
  {
    std::lock_guard lk(impl_->box->m);
    impl_->box->manual.emplace_back(webhook_id, position);
  }
  impl_->box->cv.notify_one();
  return {};
}

}  // namespace sb::integrations
