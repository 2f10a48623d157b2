#pragma once
// State of one router_bench run that its parts share (the globals are defined in
// router_bench.cpp). One thread runs one io_context and every coroutine lives on it, so the
// state needs no locks.
#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "benchmarks/bench_client.hpp"
#include "benchmarks/bench_stats.hpp"
#include "benchmarks/router_bench_options.hpp"

namespace sb::router_bench {

using namespace sb::bench;  // the shared client, clock and statistics

// Set up in main and by the admin steps of the controller; read-only afterwards.
struct target {
  server_target server;
  std::string site_key;
  std::string admin_token;
};
extern target g_target;
extern error_log g_errors;  // samples cut to 300 characters
extern bool g_closing;      // the run is over: socket closes are not worth noting

// Cumulative bucket counts of a server histogram by upper bound (seconds; the last is +Inf).
using histogram_buckets = std::vector<std::pair<double, double>>;

// Frames of one kind: how many, their bytes and the largest.
struct fanout {
  uint64_t frames = 0, bytes = 0, max_bytes = 0;
  void add(size_t n) {
    ++frames;
    bytes += n;
    max_bytes = std::max<uint64_t>(max_bytes, n);
  }
};

// Everything the run measures, filled by the sessions and read by the report.
struct run_state {
  options opt;
  histogram_buckets server_buckets_before, server_buckets_after;
  bool draining = false;   // the agents are closing (the measured phase)
  int64_t go_ns = 0, all_served_ns = 0;
  int initial_assigned = 0;
  int served = 0;                                 // distinct conversations assigned
  std::unordered_map<std::string, int> assigned;  // conversation id -> assigned frames
  std::unordered_map<std::string, int> visitor_of;  // conversation id -> visitor index
  std::vector<int64_t> dispatch_ns;
  uint64_t closes_sent = 0, closes_answered = 0;
  int64_t last_queue_total = -1;
  // Frames on the agent sockets by phase: 0 setup, 1 drain (until every visitor was served), 2 after.
  fanout queue[3], presence[3];
  fanout other_agent, queue_position, visitor_status;
  std::vector<int64_t> queue_gaps_ns;  // between queue frames on agent 0's socket, in the drain
  int64_t last_queue_ns = 0;
  int closes_in_flight = 0;
  int phase() const { return !draining ? 0 : all_served_ns ? 2 : 1; }
  uint64_t active_status = 0, dup_active = 0;
  std::map<std::string, uint64_t> socket_closes;  // "agent 1008 ..." -> count
  std::vector<net::steady_timer*> wakes;  // every agent's worker timer
  std::optional<double> cpu_go_us, cpu_served_us;
  double self_cpu_go_s = 0, self_cpu_served_s = 0;
};
extern run_state* g_st;  // the run, for note_close

// One agent: its login and socket, and the conversations it holds.
struct agent {
  int index = 0;
  std::string email, token, user_id;
  std::unique_ptr<ws_stream> ws;
  std::unique_ptr<net::steady_timer> wake;
  beast::flat_buffer buf;
  std::deque<std::string> held;  // conversations assigned and not yet closed
  int64_t close_sent_ns = 0;     // 0: no close waiting for its assigned
  bool dead = false;
};

// One visitor: its socket and conversation.
struct visitor {
  int index = 0;
  std::unique_ptr<ws_stream> ws;
  beast::flat_buffer buf;
  std::string conversation_id;
  int active_frames = 0;  // status active frames heard
};

}  // namespace sb::router_bench
