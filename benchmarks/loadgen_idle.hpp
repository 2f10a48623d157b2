#pragma once
// Idle mode: --sockets visitor sockets opened (hello -> welcome) and held, to measure what an
// idle socket costs the server (RSS growth per socket, read from /proc/<server-pid>/status).
#include <atomic>
#include <boost/asio/awaitable.hpp>

#include "benchmarks/loadgen_run.hpp"

namespace sb::loadgen {

struct idle_counters {
  std::atomic<int> in_flight{0};
  std::atomic<int> opened{0};
  std::atomic<int> failed{0};
  std::atomic<int> dropped{0};
  std::atomic<int> closed{0};
};
extern idle_counters g_idle;

// Opens the sockets (at most --concurrency handshakes at once), holds them --duration seconds,
// reads the server's RSS before and after, closes them. Fills st->idle, rss_*_kb and fatal.
net::awaitable<void> run_idle(run_state* st_ptr);

}  // namespace sb::loadgen
