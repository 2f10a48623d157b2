#pragma once
// delivery_log: where the webhook outbox keeps its state beside the event log (state column
// family): per endpoint "outbox/<id>/cursor" (how far it has read and delivered) and
// "outbox/<id>/d/<position, 20 digits>" (one entry per delivered, retrying or failed event:
// the delivery log that GET /webhooks/{id}/deliveries pages through, newest first).
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace rocksdb {
class WriteBatch;
}
namespace sb::events {
class event_log;
}

namespace sb::integrations {
struct egress_response;
}

namespace sb::integrations::delivery_log {

// One attempt's outcome, as the delivery log shows it.
struct entry {
  std::uint64_t position = 0;
  std::string event_type, conversation_id;
  const char* status = "";  // delivered | retrying | failed
  int attempts = 0;
  std::int64_t created_ts = 0, next_attempt_ms = 0;  // 0: no next attempt
  bool manual = false;
};
std::string entry_text(const entry& e, const egress_response& res);

std::string cursor_key(const std::string& endpoint_id);
std::string entry_key(const std::string& endpoint_id, std::uint64_t position);

// Every position the endpoint's log holds (read once when the endpoint is loaded).
std::set<std::uint64_t> positions(events::event_log& log, const std::string& endpoint_id);
bool contains(events::event_log& log, const std::string& endpoint_id, std::uint64_t position, bool& read_failed);

// {items: [...], next_cursor}: entries older than `before` (0: the newest), newest first.
nlohmann::json page(events::event_log& log, const std::string& endpoint_id, std::size_t limit, std::uint64_t before);

// Deletes entries [first, end) of the endpoint's log, or all of its state when end is 0.
void erase(rocksdb::WriteBatch& wb, events::event_log& log, const std::string& endpoint_id, std::uint64_t first = 0,
           std::uint64_t end = 0);

}  // namespace sb::integrations::delivery_log
