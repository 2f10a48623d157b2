#pragma once
// The server's Prometheus metrics, declared in one list (name, type, help) as in Envoy.
// Counters end in _total, durations in _seconds. Thread-safe (prometheus-cpp is).
#include <memory>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace sb::http {

#define SB_SIMPLE_METRICS(COUNTER, GAUGE)                                                    \
  COUNTER(events_appended_total, "Events durably appended to the log")                       \
  COUNTER(append_failures_total, "Events whose batch failed to become durable (the log turned read-only)") \
  COUNTER(http_requests_total, "HTTP requests served")                                       \
  COUNTER(ws_frames_in_total, "WebSocket frames received")                                   \
  COUNTER(ws_frames_out_total, "WebSocket frames sent")                                      \
  COUNTER(ws_slow_consumers_closed_total, "Sockets closed because their backlog passed the bound") \
  COUNTER(ws_idle_dropped_total, "Sockets dropped because the peer was silent past the idle timeout") \
  COUNTER(flow_webhooks_ok_total, "Bot flow webhook calls answered with 2xx JSON")            \
  COUNTER(flow_webhooks_failed_total, "Bot flow webhook calls refused, failed, timed out or not JSON") \
  COUNTER(webhooks_delivered_total, "Outgoing webhook deliveries answered 2xx")                \
  COUNTER(webhooks_failed_total, "Outgoing webhook deliveries given up after a day of retries") \
  COUNTER(webhooks_retries_total, "Outgoing webhook attempts that failed and will be retried") \
  COUNTER(channel_sends_ok_total, "Channel API sends (Instagram replies, Telegram relays) answered 2xx") \
  COUNTER(channel_sends_failed_total, "Channel API sends refused for good or given up after a day of retries") \
  GAUGE(webhook_backlog_events, "Events read for webhook endpoints and not yet delivered or given up") \
  GAUGE(channel_backlog_requests, "Channel API sends read from the log and not yet answered or given up") \
  GAUGE(live_actors, "Conversation actors in memory")                                        \
  GAUGE(projection_lag_events, "Log events not yet applied by the history projection")       \
  GAUGE(log_position, "Position of the last durable event")

struct metrics {
  metrics();
  std::shared_ptr<prometheus::Registry> registry;

#define SB_DECLARE_COUNTER(name, help) prometheus::Counter* name;
#define SB_DECLARE_GAUGE(name, help) prometheus::Gauge* name;
  SB_SIMPLE_METRICS(SB_DECLARE_COUNTER, SB_DECLARE_GAUGE)
#undef SB_DECLARE_COUNTER
#undef SB_DECLARE_GAUGE

  // labelled: kind = visitor | agent
  prometheus::Gauge* connections_visitor;
  prometheus::Gauge* connections_agent;
  prometheus::Histogram* append_latency_seconds;
  prometheus::Histogram* group_commit_batch_events;
  prometheus::Histogram* log_write_seconds;
  prometheus::Histogram* router_dispatch_seconds;

  std::string serialize() const;
};

}  // namespace sb::http
