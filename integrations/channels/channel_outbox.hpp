#pragma once
// channel_outbox: sends what the log says to the channels' APIs (Instagram replies through
// the Graph API, visitor messages relayed to a staff Telegram chat). Like the webhook outbox,
// the outbox is the event log itself: one durable cursor (state key "<name>/cursor"), so a
// restart, SIGKILL included, resumes where sending stood and a dead API's backlog is the log,
// never memory (at most `max_queued` requests are read ahead).
//
// What to send is the `route` function's business: called on the outbox thread with every
// event in log order, it answers the requests the event causes, each with a lane key; the
// requests of one lane key (a conversation) go out one at a time, in log order. A failure
// with no answer, a 5xx or a 429 is retried with exponential backoff (retry_base doubling to
// retry_max, +-20% jitter) for `give_up_after`; any other answer (a 4xx: the API refused the
// request for good) or the give-up ends it, logged and counted. `delivered` runs on the outbox
// thread with the API's answer once a request succeeds.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "integrations/egress.hpp"

namespace sb::events {
class event_log;
struct envelope;
}  // namespace sb::events

namespace sb::integrations {

struct channel_request {
  std::string lane_key;
  std::string what;  // for the log: "instagram reply", "telegram relay"
  egress_request req;
  std::function<void(const egress_response&)> delivered{};
};

class channel_outbox {
 public:
  struct options {
    std::size_t lanes = 8;
    std::size_t max_queued = 4096;
    std::chrono::milliseconds retry_base{1000};
    std::chrono::milliseconds retry_max{std::chrono::minutes(10)};
    std::chrono::milliseconds give_up_after{std::chrono::hours(24)};
    // Read no further than this (the read models route() consults must have the events).
    std::function<std::uint64_t()> read_limit{};
    std::function<void(bool delivered)> counted{};  // once per request that ends
    // While false, what is in the log is skipped unread (nothing could be sent).
    std::function<bool()> wanted{};
  };
  using route_fn = std::function<std::vector<channel_request>(const events::envelope&)>;

  channel_outbox(events::event_log& log, egress_client& egress, std::string name, route_fn route, options opts);
  ~channel_outbox();  // stop()
  channel_outbox(const channel_outbox&) = delete;
  channel_outbox& operator=(const channel_outbox&) = delete;

  void start();
  void stop();  // saves the cursor; requests in flight are sent again next start
  void notify(std::uint64_t last_position);
  std::size_t backlog() const { return backlog_.load(std::memory_order_relaxed); }

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
  std::atomic<std::size_t> backlog_{0};
};

}  // namespace sb::integrations
