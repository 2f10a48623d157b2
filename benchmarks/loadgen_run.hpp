#pragma once
// State of one switchboard_loadgen run that its parts share (defined in loadgen.cpp). Touched
// from several strands through atomics or error_log's mutex only; g_clock and g_target are
// written before the pairs are told to go and read-only afterwards.
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "benchmarks/bench_client.hpp"
#include "benchmarks/bench_stats.hpp"
#include "benchmarks/loadgen_options.hpp"

namespace sb::loadgen {

using namespace sb::bench;  // the shared client, clock and statistics
using strand_type = net::strand<net::io_context::executor_type>;

extern error_log g_errors;
extern std::atomic<uint64_t> g_sent;
extern std::atomic<uint64_t> g_delivered;
extern std::atomic<bool> g_stop_sending;
extern std::atomic<bool> g_closing;
extern std::atomic<const char*> g_phase;

// Times shared with every pair. Written by the controller before it posts "go" to the pairs.
struct run_clock {
  int64_t start_ns = 0;
  int64_t warmup_end_ns = 0;
  int64_t measure_end_ns = 0;
  int64_t drain_end_ns = 0;  // written after every pair stopped sending; read after ioc stopped
};
extern run_clock g_clock;

// Set up once in main before the io_context runs; read-only afterwards.
struct target {
  server_target server;
  std::string site_key;
  std::string token;
  std::string message_text;
};
extern target g_target;

class pair_session;  // loadgen_pair_session.hpp
class idle_socket;   // loadgen_idle.cpp

// What the controller built, read by the report after the io_context stopped.
struct run_state {
  const options& opt;
  net::io_context& ioc;
  std::vector<std::shared_ptr<pair_session>> pairs;
  std::vector<std::shared_ptr<idle_socket>> idle;
  std::optional<long> rss_before_kb;
  std::optional<long> rss_after_kb;
  std::string fatal;  // setup failure that makes the run meaningless
  bool complete = false;
};

}  // namespace sb::loadgen
