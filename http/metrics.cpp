#include "http/metrics.hpp"

#include <prometheus/text_serializer.h>

namespace sb::http {

metrics::metrics() : registry(std::make_shared<prometheus::Registry>()) {
#define SB_BUILD_COUNTER(n, h) \
  n = &prometheus::BuildCounter().Name("switchboard_" #n).Help(h).Register(*registry).Add({});
#define SB_BUILD_GAUGE(n, h) \
  n = &prometheus::BuildGauge().Name("switchboard_" #n).Help(h).Register(*registry).Add({});
  SB_SIMPLE_METRICS(SB_BUILD_COUNTER, SB_BUILD_GAUGE)
#undef SB_BUILD_COUNTER
#undef SB_BUILD_GAUGE
  auto& conns = prometheus::BuildGauge()
                    .Name("switchboard_connections")
                    .Help("Open WebSocket connections by kind")
                    .Register(*registry);
  connections_visitor = &conns.Add({{"kind", "visitor"}});
  connections_agent = &conns.Add({{"kind", "agent"}});
  append_latency_seconds =
      &prometheus::BuildHistogram()
           .Name("switchboard_append_latency_seconds")
           .Help("Time from queuing an append to its batch being durable")
           .Register(*registry)
           .Add({}, prometheus::Histogram::BucketBoundaries{0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                            0.005, 0.01, 0.025, 0.05, 0.1, 0.5});
  group_commit_batch_events =
      &prometheus::BuildHistogram()
           .Name("switchboard_group_commit_batch_events")
           .Help("Events per group-commit batch (one fsync each)")
           .Register(*registry)
           .Add({}, prometheus::Histogram::BucketBoundaries{1, 2, 4, 8, 16, 32, 64, 128, 256, 512,
                                                            1024, 4096});
  log_write_seconds =
      &prometheus::BuildHistogram()
           .Name("switchboard_log_write_seconds")
           .Help("Time to write one group-commit batch to RocksDB, fsync of its WAL included")
           .Register(*registry)
           .Add({}, prometheus::Histogram::BucketBoundaries{0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                            0.005, 0.01, 0.025, 0.05, 0.1, 0.5});
  router_dispatch_seconds =
      &prometheus::BuildHistogram()
           .Name("switchboard_router_dispatch_seconds")
           .Help("Auto mode: from a slot freeing (or a visitor starting to wait beside a free slot) "
                 "to the assignment being durable")
           .Register(*registry)
           .Add({}, prometheus::Histogram::BucketBoundaries{0.0005, 0.001, 0.002, 0.003, 0.004, 0.005,
                                                            0.0075, 0.01, 0.025, 0.05, 0.1, 0.5, 1});
}

std::string metrics::serialize() const {
  return prometheus::TextSerializer{}.Serialize(registry->Collect());
}

}  // namespace sb::http
