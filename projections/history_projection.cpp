#include "projections/history_projection.hpp"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "events/keys.hpp"
#include "events/log.hpp"
#include "projections/history_fold.hpp"

namespace sb::projections {
namespace {
using json = nlohmann::json;
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
    : log_(log),
      runner_(log, {"history", kHistoryVersion, coalesce},
              {[this] { return load(); },
               [this](const std::vector<events::envelope>& evs, rocksdb::WriteBatch& wb) {
                 return fold(evs, wb);
               },
               [this](rocksdb::WriteBatch& wb) { save(wb); }}) {}
history_projection::~history_projection() { stop(); }

events::status history_projection::start(bool rebuild) { return runner_.start(rebuild); }
void history_projection::stop() { runner_.stop(); }
void history_projection::notify(std::uint64_t last_position) { runner_.notify(last_position); }
void history_projection::when_applied(std::uint64_t position,
                                      std::chrono::steady_clock::time_point deadline,
                                      std::function<void(bool)> fn) {
  runner_.when_applied(position, deadline, std::move(fn));
}

events::status history_projection::load() {
  std::unique_ptr<rocksdb::Iterator> it{log_.models_db()->NewIterator(rocksdb::ReadOptions{}, log_.models_cf())};
  std::unique_lock lock{mutex_};
  for (it->Seek(kSummaryPrefix); it->Valid() && it->key().starts_with(kSummaryPrefix); it->Next()) {
    auto s = json::parse(it->value().ToStringView(), nullptr, false);
    if (!s.is_object()) return events::status::error("corrupt history summary");
    std::string id = s["id"];
    order_[s["workspace_id"]][{s["updated_ts"].get<std::int64_t>(), id}] = true;
    summaries_[id] = std::move(s);
  }
  return to_status(it->status());
}

events::status history_projection::fold(const std::vector<events::envelope>& evs,
                                         rocksdb::WriteBatch& wb) {
  auto* cf = log_.models_cf();
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
  return {};
}

void history_projection::save(rocksdb::WriteBatch& wb) {
  // Summaries go with the checkpoint that matches them (the runner adds it), at most once a
  // second: a busy conversation's summary is rewritten once a second, not once per message.
  // Message frames are idempotent puts and go out with every fold.
  auto* cf = log_.models_cf();
  {
    std::shared_lock lock{mutex_};
    for (auto& cid : dirty_)
      if (auto it = summaries_.find(cid); it != summaries_.end())
        wb.Put(cf, kSummaryPrefix + cid, it->second.dump());
  }
  dirty_.clear();
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
  auto* db = log_.models_db();
  auto lower = message_key(cid, 0);
  auto upper = message_key(cid, UINT64_MAX);
  rocksdb::Slice lb{lower}, ub{upper};
  rocksdb::ReadOptions ro;
  ro.iterate_lower_bound = &lb;
  ro.iterate_upper_bound = &ub;
  std::unique_ptr<rocksdb::Iterator> it{db->NewIterator(ro, log_.models_cf())};
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
