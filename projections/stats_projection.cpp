#include "projections/stats_projection.hpp"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <memory>
#include <mutex>

#include "events/log.hpp"

namespace sb::projections {
namespace {
using json = nlohmann::json;
const std::string kPrefix = "stats/";
const std::string kVersionKey = "stats/version";
const std::string kCheckpointKey = "stats/checkpoint";
}  // namespace

stats_projection::stats_projection(events::event_log& log, std::chrono::milliseconds coalesce)
    : log_(log),
      runner_(log, {"stats", kStatsVersion, coalesce},
              {[this] { return load(); },
               [this](const std::vector<events::envelope>& evs, rocksdb::WriteBatch& wb) {
                 return fold(evs, wb);
               },
               [this](rocksdb::WriteBatch& wb) { save(wb); }}) {}
stats_projection::~stats_projection() { stop(); }

events::status stats_projection::start(bool rebuild) { return runner_.start(rebuild); }
void stats_projection::stop() { runner_.stop(); }
void stats_projection::notify(std::uint64_t last_position) { runner_.notify(last_position); }
void stats_projection::when_applied(std::uint64_t position,
                                    std::chrono::steady_clock::time_point deadline,
                                    std::function<void(bool)> fn) {
  runner_.when_applied(position, deadline, std::move(fn));
}

events::status stats_projection::load() {
  std::unique_ptr<rocksdb::Iterator> it{
      log_.models_db()->NewIterator(rocksdb::ReadOptions{}, log_.models_cf())};
  std::unique_lock lock{mutex_};
  for (it->Seek(kPrefix); it->Valid() && it->key().starts_with(kPrefix); it->Next()) {
    auto key = it->key().ToStringView();
    if (key == kVersionKey || key == kCheckpointKey) continue;
    if (!fold_.restore_piece(key.substr(kPrefix.size()), it->value().ToStringView()))
      return events::status::error("corrupt stats state at key " + std::string(key));
  }
  if (!it->status().ok()) return events::status::error(it->status().ToString());
  return {};
}

events::status stats_projection::fold(const std::vector<events::envelope>& evs,
                                      rocksdb::WriteBatch&) {
  // Fold in place, locking per event: a batch of 2048 events takes ~10 ms to fold (JSON
  // parsing, mostly), too long to keep readers waiting.
  for (auto& e : evs) {
    std::optional<stats_change> change;
    {
      std::unique_lock lock{mutex_};
      change = fold_.apply(e);
    }
    if (change)
      for (auto& piece : change->pieces) dirty_.insert(std::move(piece));
  }
  return {};
}

void stats_projection::save(rocksdb::WriteBatch& wb) {
  // The touched buckets and bookkeeping go with the checkpoint that matches them (the runner
  // adds it), at most once a second: the current hour's bucket is rewritten once a second,
  // not once per event.
  auto* cf = log_.models_cf();
  {
    std::shared_lock lock{mutex_};
    for (auto& piece : dirty_) {
      if (auto value = fold_.encode_piece(piece))
        wb.Put(cf, kPrefix + piece, *value);
      else
        wb.Delete(cf, kPrefix + piece);
    }
  }
  dirty_.clear();
}

json stats_projection::overview(const std::string& workspace_id, std::int64_t from_ms,
                                std::int64_t to_ms, const std::string& tz,
                                std::uint64_t online_visitors, std::int64_t now_ms) const {
  std::shared_lock lock{mutex_};
  return fold_.overview(workspace_id, from_ms, to_ms, tz, online_visitors, now_ms);
}

json stats_projection::timeseries(const std::string& workspace_id, const std::string& metric,
                                  const std::string& bucket, std::int64_t from_ms,
                                  std::int64_t to_ms, const std::string& tz) const {
  std::shared_lock lock{mutex_};
  return fold_.timeseries(workspace_id, metric, bucket, from_ms, to_ms, tz);
}

json stats_projection::agents(const std::string& workspace_id, std::int64_t from_ms,
                              std::int64_t to_ms) const {
  std::shared_lock lock{mutex_};
  return fold_.agents(workspace_id, from_ms, to_ms);
}

}  // namespace sb::projections
