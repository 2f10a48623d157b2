#include "integrations/channels/channel_outbox.hpp"

#include <rocksdb/db.h>

#include <algorithm>
#include <cstdio>
#include <deque>
#include <nlohmann/json.hpp>
#include <random>

#include "events/log.hpp"
#include "events/thread_name.hpp"
#include "integrations/worker.hpp"

namespace sb::integrations {
namespace {
using json = nlohmann::json;
using steady = std::chrono::steady_clock;

struct item {
  std::uint64_t position = 0;
  channel_request r;
  int attempts = 0;
  steady::time_point first_attempt{}, next_at{};
};

struct lane {
  std::deque<item> q;
  bool in_flight = false;
  std::uint64_t done = 0;  // every request of this lane up to here has ended
};

struct result {
  std::size_t lane = 0;
  std::uint64_t position = 0;
  egress_response res;
};

using results_box = mailbox<result>;

bool retryable(const egress_response& r) { return r.status == 0 || r.status == 429 || r.status >= 500; }

}  // namespace

struct channel_outbox::impl {
  impl(events::event_log& l, egress_client& e, std::string n, route_fn r, options o, std::atomic<std::size_t>& b)
      : log(l), egress(e), name(std::move(n)), route(std::move(r)), opts(std::move(o)), backlog(b),
        box(std::make_shared<results_box>()), rng(std::random_device{}()) {
    if (opts.lanes == 0) opts.lanes = 1;
    lanes.assign(opts.lanes, lane{});
  }

  events::event_log& log;
  egress_client& egress;
  const std::string name;
  route_fn route;
  options opts;
  std::atomic<std::size_t>& backlog;
  std::shared_ptr<results_box> box;
  worker thread;
  std::mt19937 rng;
  // Outbox thread only:
  std::vector<lane> lanes;
  std::uint64_t read_pos = 0;
  std::size_t queued = 0;
  bool dirty = false, stopped_egress = false;

  std::string cursor_key() const { return name + "/cursor"; }

  std::uint64_t readable() const {
    auto last = log.last_position();
    return opts.read_limit ? std::min(last, opts.read_limit()) : last;
  }

  void load() {
    std::string value;
    if (!log.db()->Get(rocksdb::ReadOptions(), log.state_cf(), cursor_key(), &value).ok()) {
      // First start: what is already in the log happened before the channels were watched.
      read_pos = log.last_position();
      for (auto& l : lanes) l.done = read_pos;
      dirty = true;
      return;
    }
    auto c = json::parse(value, nullptr, false);
    read_pos = c.is_object() ? c.value("read", std::uint64_t{0}) : 0;
    auto done = c.is_object() ? c.value("lanes", json::array()) : json::array();
    for (std::size_t i = 0; i < lanes.size(); ++i)
      lanes[i].done = done.size() == lanes.size() ? done[i].get<std::uint64_t>() : read_pos;
  }

  void run() {
    events::name_this_thread("sb-channels");
    load();
    auto next_wake = steady::now();
    for (;;) {
      std::deque<result> rs;
      {
        std::unique_lock lk(box->m);
        box->cv.wait_until(lk, next_wake, [&] {
          return box->stopping || !box->items.empty() ||
                 (queued < opts.max_queued && read_pos < std::min(box->target, readable()));
        });
        if (box->stopping) break;
        rs.swap(box->items);
      }
      for (auto& r : rs) on_result(r);
      auto now = steady::now();
      next_wake = now + std::chrono::seconds(1);
      fill();
      if (read_pos < target() && queued < opts.max_queued) next_wake = std::min(next_wake, now + std::chrono::milliseconds(5));
      if (!stopped_egress) dispatch(now, next_wake);
      if (dirty) save();
    }
    save();
  }

  std::uint64_t target() { return box->target_now(); }

  void fill() {
    auto last = readable();
    if (read_pos < last && opts.wanted && !opts.wanted()) {
      read_pos = last;
      dirty = true;
      return;
    }
    while (queued < opts.max_queued && read_pos < last) {
      std::vector<events::envelope> evs;
      if (auto s = log.read_from(read_pos, 256, evs); !s) {
        std::fprintf(stderr, "%s: cannot read the log: %s\n", name.c_str(), s.message().c_str());
        return;
      }
      if (evs.empty()) return;
      for (auto& env : evs) {
        if (env.position > last) return;  // not yet in the read models
        read_pos = env.position;
        dirty = true;
        for (auto& r : route(env)) {
          auto& ln = lanes[std::hash<std::string>{}(r.lane_key) % lanes.size()];
          if (env.position <= ln.done) continue;  // sent before a restart
          item it;
          it.position = env.position;
          it.r = std::move(r);
          ln.q.push_back(std::move(it));
          ++queued;
          backlog.fetch_add(1, std::memory_order_relaxed);
        }
      }
    }
  }

  void dispatch(steady::time_point now, steady::time_point& next_wake) {
    for (std::size_t i = 0; i < lanes.size(); ++i) {
      auto& ln = lanes[i];
      if (ln.in_flight || ln.q.empty()) continue;
      auto& it = ln.q.front();
      if (it.next_at > now) {
        next_wake = std::min(next_wake, it.next_at);
        continue;
      }
      ln.in_flight = true;
      ++it.attempts;
      if (it.attempts == 1) it.first_attempt = now;
      egress.send(it.r.req, [weak = std::weak_ptr(box), i, pos = it.position](egress_response res) {
        results_box::post(weak, {i, pos, std::move(res)});
      });
    }
  }

  void on_result(result& r) {
    auto& ln = lanes[r.lane];
    ln.in_flight = false;
    if (r.res.error == "stopped") {
      stopped_egress = true;  // shutting down: sent again next start
      return;
    }
    if (ln.q.empty() || ln.q.front().position != r.position) return;
    auto& it = ln.q.front();
    bool ok = r.res.ok();
    if (!ok && retryable(r.res) && steady::now() - it.first_attempt < opts.give_up_after) {
      it.next_at = steady::now() + retry_delay(opts.retry_base, opts.retry_max, it.attempts, rng);
      return;
    }
    if (ok) {
      if (it.r.delivered) it.r.delivered(r.res);
    } else {
      // Never the request itself: its URL may hold a token (Telegram's do).
      std::fprintf(stderr, "%s: %s for event %llu failed for good after %d attempts: %d %s %.200s\n", name.c_str(),
                   it.r.what.c_str(), static_cast<unsigned long long>(it.position), it.attempts, r.res.status,
                   r.res.error.c_str(), r.res.body.c_str());
    }
    if (opts.counted) opts.counted(ok);
    auto pos = it.position;
    ln.q.pop_front();
    // An event with several requests in this lane is done with its last one.
    if (ln.q.empty() || ln.q.front().position != pos) ln.done = pos;
    --queued;
    backlog.fetch_sub(1, std::memory_order_relaxed);
    dirty = true;
  }

  void save() {
    std::uint64_t low = read_pos;
    json done = json::array();
    for (auto& ln : lanes) {
      if (!ln.q.empty()) low = std::min(low, ln.q.front().position - 1);
      done.push_back(ln.done);
    }
    // WAL on, no fsync: a killed process loses nothing; after a power cut the last requests
    // may go out again.
    auto s = log.db()->Put(rocksdb::WriteOptions(), log.state_cf(), cursor_key(), json{{"read", low}, {"lanes", done}}.dump());
    if (!s.ok()) std::fprintf(stderr, "%s: cannot save the cursor: %s\n", name.c_str(), s.ToString().c_str());
    dirty = false;
  }
};

channel_outbox::channel_outbox(events::event_log& log, egress_client& egress, std::string name, route_fn route, options opts)
    : impl_(std::make_unique<impl>(log, egress, std::move(name), std::move(route), std::move(opts), backlog_)) {}

channel_outbox::~channel_outbox() { stop(); }

void channel_outbox::start() {
  if (impl_->thread.running()) return;
  impl_->box->raise(impl_->log.last_position());
  impl_->thread.start([p = impl_.get()] { p->run(); });
}

void channel_outbox::stop() { impl_->thread.stop(*impl_->box); }

void channel_outbox::notify(std::uint64_t last_position) { impl_->box->raise(last_position); }

}  // namespace sb::integrations
