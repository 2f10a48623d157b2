#include "projections/history_projection.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "events/thread_name.hpp"
#include "events/keys.hpp"
#include "events/log.hpp"
#include "projections/history_fold.hpp"

namespace sb::projections {
namespace {
using json = nlohmann::json;
const std::string kCheckpoint = "history/checkpoint";
const std::string kVersion = "history/version";
const std::string kSummaryPrefix = "history/sum/";
const std::string kMessagePrefix = "history/msg/";

std::string message_key(const std::string& cid, std::uint64_t seq) {
  std::string k = kMessagePrefix + cid;
  k.push_back('\0');
  events::keys::put_u64(k, seq);
  return k;
}

events::status to_status(const rocksdb::Status& s) {
  return s.ok() ? events::status{} : events::status::error(s.ToString());
}
}  // namespace

history_projection::history_projection(events::event_log& log, std::chrono::milliseconds coalesce)
    : log_(log), coalesce_(coalesce) {}
history_projection::~history_projection() { stop(); }

events::status history_projection::start(bool rebuild) {
  auto* db = log_.db();
  auto* cf = log_.state_cf();
  std::string version;
  auto vs = db->Get(rocksdb::ReadOptions{}, cf, kVersion, &version);
  if (rebuild || !vs.ok() || version != std::to_string(kHistoryVersion)) {
    // Wipe and start over from position 0.
    rocksdb::WriteBatch wb;
    std::string end = "history0";  // '0' follows '/': every "history/..." key sorts before it
    wb.DeleteRange(cf, "history/", end);
    wb.Put(cf, kVersion, std::to_string(kHistoryVersion));
    wb.Put(cf, kCheckpoint, events::keys::position_key(0));
    rocksdb::WriteOptions wo;
    wo.sync = true;
    if (auto st = to_status(db->Write(wo, &wb)); !st) return st;
  }
  std::string ckpt;
  if (db->Get(rocksdb::ReadOptions{}, cf, kCheckpoint, &ckpt).ok() && ckpt.size() == 8)
    applied_ = events::keys::get_u64(ckpt);
  {
    std::unique_ptr<rocksdb::Iterator> it{db->NewIterator(rocksdb::ReadOptions{}, cf)};
    std::unique_lock lock{mutex_};
    for (it->Seek(kSummaryPrefix); it->Valid() && it->key().starts_with(kSummaryPrefix); it->Next()) {
      auto s = json::parse(it->value().ToStringView(), nullptr, false);
      if (!s.is_object()) return events::status::error("corrupt history summary");
      std::string id = s["id"];
      order_[s["workspace_id"]][{s["updated_ts"].get<std::int64_t>(), id}] = true;
      summaries_[id] = std::move(s);
    }
    if (auto st = to_status(it->status()); !st) return st;
  }
  target_ = log_.last_position();
  folded_ = applied_.load();
  if (auto st = catch_up(); !st) return st;
  if (auto st = flush_summaries(); !st) return st;
  thread_ = std::thread([this] {
    events::name_this_thread("sb-history");
    run();
  });
  return {};
}

void history_projection::stop() {
  {
    std::lock_guard lock{wake_mutex_};
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void history_projection::notify(std::uint64_t last_position) {
  auto prev = target_.load(std::memory_order_relaxed);
  while (prev < last_position && !target_.compare_exchange_weak(prev, last_position)) {
  }
  std::lock_guard lock{wake_mutex_};
  if (idle_) wake_.notify_one();  // resting runners look again on their own
}

void history_projection::when_applied(std::uint64_t position,
                                      std::chrono::steady_clock::time_point deadline,
                                      std::function<void(bool)> fn) {
  {
    std::lock_guard lock{wake_mutex_};
    if (applied_.load(std::memory_order_acquire) < position && !failed_) {
      waiters_.push_back({position, deadline, std::move(fn)});
      wake_.notify_one();  // the runner may need an earlier timeout
      return;
    }
  }
  fn(!failed_);
}

void history_projection::release_waiters(bool fail_all) {
  std::vector<std::pair<std::function<void(bool)>, bool>> ready;
  {
    std::lock_guard lock{wake_mutex_};
    auto now = std::chrono::steady_clock::now();
    auto applied = applied_.load();
    std::erase_if(waiters_, [&](waiter& w) {
      bool ok = !fail_all && w.position <= applied;
      if (!ok && !fail_all && w.deadline > now) return false;
      ready.emplace_back(std::move(w.fn), ok);
      return true;
    });
  }
  for (auto& [fn, ok] : ready) fn(ok);
}

void history_projection::run() {
  // Read models may lag a little; acknowledged messages may not: yield the CPU to the writer.
  setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 5);
  for (;;) {
    {
      std::unique_lock lock{wake_mutex_};
      auto has_work = [this] { return stopping_ || target_.load() > applied_.load(); };
      idle_ = true;
      if (waiters_.empty()) {
        wake_.wait(lock, has_work);
      } else {
        auto next = waiters_.front().deadline;
        for (auto& w : waiters_) next = std::min(next, w.deadline);
        wake_.wait_until(lock, next, has_work);
      }
      idle_ = false;
      if (stopping_) break;
    }
    if (auto st = catch_up(); !st) {
      failed_ = true;
      std::fprintf(stderr, "history projection failed: %s\n", st.message().c_str());
      break;
    }
    release_waiters(false);  // the timed-out ones
    // Rest a little so that commits pile up into one fold (fewer wake-ups and RocksDB writes
    // under load); a reader waiting for a position cuts the rest short.
    if (coalesce_.count() > 0) {
      std::unique_lock lock{wake_mutex_};
      wake_.wait_for(lock, coalesce_, [this] { return stopping_ || !waiters_.empty(); });
    }
  }
  if (!failed_) {
    if (auto st = flush_summaries(); !st)
      std::fprintf(stderr, "history projection: saving summaries failed: %s\n", st.message().c_str());
  }
  release_waiters(true);
}

events::status history_projection::catch_up() {
  auto* db = log_.db();
  auto* cf = log_.state_cf();
  std::vector<events::envelope> evs;
  while (applied_.load() < target_.load()) {
    evs.clear();
    if (auto st = log_.read_from(applied_.load(), 2048, evs); !st) return st;
    if (evs.empty()) break;
    rocksdb::WriteBatch wb;
    {
      // Fold in place: readers see a summary as soon as it is folded (the list is a read
      // model; min_position is the way to read one's own writes).
      std::unique_lock lock{mutex_};
      for (auto& e : evs) {
        auto cid = conversation_of(e.stream);
        if (cid.empty()) continue;
        auto [it, fresh] = summaries_.try_emplace(cid, json::object());
        auto& s = it->second;
        std::optional<std::pair<std::int64_t, std::string>> old_key;
        if (!fresh && !s.empty()) old_key = {{s["updated_ts"].get<std::int64_t>(), cid}};
        auto change = fold_history(s, e);
        if (s.empty()) {
          summaries_.erase(it);
          continue;
        }
        if (!change) continue;
        auto& ws_order = order_[s["workspace_id"]];
        if (old_key) ws_order.erase(*old_key);
        ws_order[{s["updated_ts"].get<std::int64_t>(), cid}] = true;
        dirty_.insert(cid);
        if (change->message)
          wb.Put(cf, message_key(cid, change->message->first), change->message->second);
      }
    }
    auto last = evs.back().position;
    folded_ = last;
    if (std::chrono::steady_clock::now() >= next_persist_) persist(wb);
    // No WAL: the state and its checkpoint live in one column family and are flushed together,
    // so after a crash both come back as of the last flush and the fold repeats from there.
    // This keeps read-model writes off the WAL that every acknowledged message waits on.
    rocksdb::WriteOptions wo;
    wo.disableWAL = true;
    if (auto st = to_status(db->Write(wo, &wb)); !st) return st;
    {
      std::lock_guard lock{wake_mutex_};
      applied_.store(last, std::memory_order_release);
    }
    release_waiters(false);
  }
  return {};
}

void history_projection::persist(rocksdb::WriteBatch& wb) {
  // Summaries go with the checkpoint that matches them, at most once per persist interval: a
  // busy conversation's summary is rewritten once a second, not once per message. Message
  // frames are idempotent puts and go out with every fold.
  auto* cf = log_.state_cf();
  {
    std::shared_lock lock{mutex_};
    for (auto& cid : dirty_)
      if (auto it = summaries_.find(cid); it != summaries_.end())
        wb.Put(cf, kSummaryPrefix + cid, it->second.dump());
  }
  dirty_.clear();
  wb.Put(cf, kCheckpoint, events::keys::position_key(folded_));
  next_persist_ = std::chrono::steady_clock::now() + kPersistEvery;
}

events::status history_projection::flush_summaries() {
  if (dirty_.empty()) return {};
  rocksdb::WriteBatch wb;
  persist(wb);
  rocksdb::WriteOptions wo;
  wo.disableWAL = true;
  return to_status(log_.db()->Write(wo, &wb));
}

json history_projection::list(const std::string& workspace_id, const std::string& status,
                              std::size_t limit, const std::string& cursor) const {
  // cursor = "<updated_ts>:<id>" of the last item of the previous page
  std::optional<std::pair<std::int64_t, std::string>> after;
  if (auto colon = cursor.find(':'); colon != std::string::npos) {
    try {
      after = {{std::stoll(cursor.substr(0, colon)), cursor.substr(colon + 1)}};
    } catch (...) {
    }
  }
  json items = json::array();
  json next = nullptr;
  std::shared_lock lock{mutex_};
  auto ws = order_.find(workspace_id);
  if (ws != order_.end()) {
    auto& order = ws->second;
    auto it = order.rbegin();
    if (after) it = std::make_reverse_iterator(order.lower_bound(*after));
    for (; it != order.rend(); ++it) {
      auto& s = summaries_.at(it->first.second);
      if (!status.empty() && s["status"] != status) continue;
      if (items.size() == limit) {
        auto& last = items.back();
        next = std::to_string(last["updated_ts"].get<std::int64_t>()) + ":" +
               last["id"].get<std::string>();
        break;
      }
      items.push_back(summary_view(s));
    }
  }
  return {{"items", items}, {"next_cursor", next}};
}

std::optional<json> history_projection::summary(const std::string& cid) const {
  std::shared_lock lock{mutex_};
  auto it = summaries_.find(cid);
  if (it == summaries_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::pair<std::string, std::string>> history_projection::open_conversations() const {
  std::shared_lock lock{mutex_};
  std::vector<std::pair<std::string, std::string>> out;
  for (auto& [id, s] : summaries_)
    if (s["status"] != "closed") out.emplace_back(s["visitor"].value("id", ""), id);
  return out;
}

events::status history_projection::messages(const std::string& cid,
                                            std::optional<std::uint64_t> after,
                                            std::optional<std::uint64_t> before,
                                            std::size_t limit, message_page& out) const {
  auto* db = log_.db();
  auto lower = message_key(cid, 0);
  auto upper = message_key(cid, UINT64_MAX);
  rocksdb::Slice lb{lower}, ub{upper};
  rocksdb::ReadOptions ro;
  ro.iterate_lower_bound = &lb;
  ro.iterate_upper_bound = &ub;
  std::unique_ptr<rocksdb::Iterator> it{db->NewIterator(ro, log_.state_cf())};
  auto seq_of = [&] { return events::keys::get_u64(it->key().ToStringView().substr(lower.size() - 8)); };
  if (after) {
    for (it->Seek(message_key(cid, *after + 1)); it->Valid(); it->Next()) {
      if (out.frames.size() == limit) {
        out.next_after_seq = seq_of() - 1;
        break;
      }
      out.frames.emplace_back(it->value().ToString());
    }
  } else {
    if (before && *before <= 1) return {};
    if (before) it->SeekForPrev(message_key(cid, *before - 1));
    else it->SeekToLast();
    std::vector<std::string> rev;
    for (; it->Valid(); it->Prev()) {
      if (rev.size() == limit) {
        out.next_before_seq = seq_of() + 1;
        break;
      }
      rev.emplace_back(it->value().ToString());
    }
    out.frames.assign(std::make_move_iterator(rev.rbegin()), std::make_move_iterator(rev.rend()));
  }
  return to_status(it->status());
}

}  // namespace sb::projections
