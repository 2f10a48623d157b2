#include "integrations/webhooks/delivery_log.hpp"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "events/log.hpp"
#include "integrations/egress.hpp"

namespace sb::integrations::delivery_log {
namespace {
using json = nlohmann::json;

std::string pos_key(std::uint64_t p) {
  char b[24];
  std::snprintf(b, sizeof b, "%020llu", static_cast<unsigned long long>(p));
  return b;
}
std::string endpoint_prefix(const std::string& id) { return "outbox/" + id + "/"; }
std::string entry_prefix(const std::string& id) { return endpoint_prefix(id) + "d/"; }

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::string entry_text(const entry& e, const egress_response& res) {
  json j{{"id", "evt_" + std::to_string(e.position)},
         {"event_type", e.event_type},
         {"conversation_id", e.conversation_id.empty() ? json(nullptr) : json(e.conversation_id)},
         {"status", e.status},
         {"attempts", e.attempts},
         {"response_status", res.status ? json(res.status) : json(nullptr)},
         {"error", res.error.empty() ? json(nullptr) : json(res.error)},
         {"duration_ms", res.elapsed.count() / 1000},
         {"created_ts", e.created_ts},
         {"last_attempt_ts", wall_ms()},
         {"next_attempt_ts", e.next_attempt_ms ? json(e.next_attempt_ms) : json(nullptr)},
         {"manual", e.manual}};
  return j.dump();
}

std::string cursor_key(const std::string& endpoint_id) { return endpoint_prefix(endpoint_id) + "cursor"; }

std::string entry_key(const std::string& endpoint_id, std::uint64_t position) {
  return entry_prefix(endpoint_id) + pos_key(position);
}

std::set<std::uint64_t> positions(events::event_log& log, const std::string& endpoint_id) {
  std::set<std::uint64_t> out;
  auto prefix = entry_prefix(endpoint_id);
  std::unique_ptr<rocksdb::Iterator> it(log.db()->NewIterator(rocksdb::ReadOptions(), log.state_cf()));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next())
    out.insert(std::stoull(it->key().ToString().substr(prefix.size())));
  return out;
}

bool contains(events::event_log& log, const std::string& endpoint_id, std::uint64_t position, bool& read_failed) {
  std::string value;
  auto s = log.db()->Get(rocksdb::ReadOptions(), log.state_cf(), entry_key(endpoint_id, position), &value);
  read_failed = !s.ok() && !s.IsNotFound();
  return s.ok();
}

json page(events::event_log& log, const std::string& endpoint_id, std::size_t limit, std::uint64_t before) {
  auto prefix = entry_prefix(endpoint_id);
  std::unique_ptr<rocksdb::Iterator> it(log.db()->NewIterator(rocksdb::ReadOptions(), log.state_cf()));
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

void erase(rocksdb::WriteBatch& wb, events::event_log& log, const std::string& endpoint_id, std::uint64_t first,
           std::uint64_t end) {
  if (!end) {
    auto prefix = endpoint_prefix(endpoint_id);
    wb.DeleteRange(log.state_cf(), prefix, prefix.substr(0, prefix.size() - 1) + "0");  // '/' + 1
    return;
  }
  wb.DeleteRange(log.state_cf(), entry_key(endpoint_id, first), entry_key(endpoint_id, end));
}

}  // namespace sb::integrations::delivery_log
