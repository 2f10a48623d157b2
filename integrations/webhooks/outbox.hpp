#pragma once
// webhook_outbox: delivers the log's events to the workspaces' webhook endpoints. The outbox
// is the event log itself: each endpoint has a durable cursor into it (state keys
// "outbox/<id>/..."), so a dead receiver's backlog is the log, never memory (at most
// `max_queued` events per endpoint are read ahead), and a restart (SIGKILL included) resumes
// where delivery stood: an event is delivered at least once, and its id (its log position)
// lets the receiver drop the rare repeat.
//
// Order: an endpoint's events go out on `lanes` connections; a conversation's (or a
// visitor's) events always take the same lane, one at a time, so they arrive in log order.
// A failed delivery is retried with exponential backoff (retry_base doubling to retry_max,
// +-20% jitter) while its lane waits, for `give_up_after` (a day); then it is recorded as
// failed and the lane moves on. A retry that succeeds ends the other lanes' waits at once (the
// receiver is back). Every outcome is in the delivery log (the last
// `keep_deliveries` per endpoint), and any logged event can be redelivered by hand.
//
// Threads: one thread of its own ("sb-outbox") owns every cursor and lane; the egress client
// does the HTTP. notify(), deliveries() and redeliver() may be called from any thread. The
// chat path never waits for it.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "actors/errors.hpp"
#include "events/status.hpp"

namespace sb::events {
class event_log;
}

namespace sb::integrations {

class egress_client;
class webhook_directory;
struct egress_response;

struct outbox_counters {
  std::function<void()> delivered, failed, retried;
};

class webhook_outbox {
 public:
  struct options {
    std::size_t lanes = 8;
    std::size_t max_queued = 4096;
    std::chrono::milliseconds retry_base{1000};
    std::chrono::milliseconds retry_max{std::chrono::minutes(10)};
    std::chrono::milliseconds give_up_after{std::chrono::hours(24)};
    std::chrono::milliseconds timeout{10000};
    std::size_t keep_deliveries = 10000;
    // Read no further than this position (the read model behind workspace_of must have the
    // events first); unset: the log's end.
    std::function<std::uint64_t()> read_limit{};
  };

  // workspace_of: the workspace of a conversation the outbox has not seen open (read model).
  webhook_outbox(events::event_log& log, egress_client& egress, const webhook_directory& hooks,
                 std::function<std::string(const std::string& conversation_id)> workspace_of, options opts,
                 outbox_counters counters = {});
  ~webhook_outbox();  // stop()
  webhook_outbox(const webhook_outbox&) = delete;
  webhook_outbox& operator=(const webhook_outbox&) = delete;

  void start();
  // Saves every cursor and stops the thread; deliveries in flight are sent again next start.
  void stop();
  void notify(std::uint64_t last_position);

  // The endpoint's delivery log, newest first: {items: [...], next_cursor} (blocking read).
  nlohmann::json deliveries(const std::string& webhook_id, std::size_t limit, std::uint64_t before) const;
  // Sends the logged event `position` again, out of its lane's order; fails not_found when the
  // delivery log has no such event for this endpoint.
  failure redeliver(const std::string& webhook_id, std::uint64_t position);
  // Events read from the log and not yet delivered or given up, over every endpoint.
  std::size_t backlog() const { return backlog_.load(std::memory_order_relaxed); }

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
  std::atomic<std::size_t> backlog_{0};
};

}  // namespace sb::integrations
