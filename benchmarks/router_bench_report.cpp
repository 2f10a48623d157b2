#include "benchmarks/router_bench_report.hpp"

#include <algorithm>
#include <cmath>

namespace sb::router_bench {

namespace {

// The server's dispatch histogram between two readings (dispatch_buckets in
// router_bench_controller.cpp): {"count","p50_le","p90_le","p99_le"}, each p-th percentile of
// the counts added being the upper bound of its bucket in ms ("inf" past the last); null when
// the readings do not match.
ordered_json bucket_quantiles(const histogram_buckets& before, const histogram_buckets& after) {
  ordered_json j;
  if (after.empty() || before.size() != after.size()) return j;
  double total = after.back().second - before.back().second;
  j["count"] = total;
  for (auto [name, p] : {std::pair{"p50_le", 0.5}, {"p90_le", 0.9}, {"p99_le", 0.99}}) {
    for (std::size_t i = 0; i < after.size(); ++i)
      if (after[i].second - before[i].second >= p * total) {
        j[name] = std::isinf(after[i].first) ? json("inf") : json(after[i].first * 1000);
        break;
      }
  }
  return j;
}

}  // namespace

ordered_json report(run_state& st, const std::vector<visitor>& visitors, const ordered_json& phases,
                    const std::string& fatal, bool deadline_hit) {
  const options& opt = st.opt;
  ordered_json j;
  const int64_t end_ns = st.all_served_ns ? st.all_served_ns : now_ns();
  const double drain_s = st.go_ns ? (end_ns - st.go_ns) / 1e9 : 0;
  uint64_t lost = 0, dup = 0, foreign = 0;
  for (auto& [cid, vi] : st.visitor_of) {
    auto it = st.assigned.find(cid);
    if (it == st.assigned.end()) ++lost;
    else if (it->second > 1) dup += it->second - 1;
  }
  for (auto& [cid, n] : st.assigned)
    if (!st.visitor_of.count(cid)) foreign += n;
  const int dispatched = st.served - st.initial_assigned;
  const bool ok = fatal.empty() && !deadline_hit && lost == 0 && dup == 0 &&
                  st.served == opt.visitors;
  j["agents"] = opt.agents;
  j["visitors"] = opt.visitors;
  j["capacity"] = opt.capacity;
  j["in_flight"] = opt.in_flight;
  j["complete"] = ok;
  j["total_s"] = std::round(drain_s * 1000) / 1000;
  j["served"] = st.served;
  j["lost"] = lost;
  j["duplicates"] = dup;
  j["foreign_assigned"] = foreign;
  j["assigned_before_drain"] = st.initial_assigned;
  j["dispatched_in_drain"] = dispatched;
  j["dispatches_per_s"] = drain_s > 0 ? std::round(dispatched / drain_s) : 0.0;
  j["closes_sent"] = st.closes_sent;
  j["closes_answered"] = st.closes_answered;
  j["dispatch_latency_ms"] = latency_summary(st.dispatch_ns);
  j["server_dispatch_ms"] = bucket_quantiles(st.server_buckets_before, st.server_buckets_after);
  const double sockets = opt.agents;
  ordered_json q;
  q["frames"] = st.queue[1].frames;
  q["bytes"] = st.queue[1].bytes;
  q["max_frame_bytes"] = st.queue[1].max_bytes;
  q["frames_per_s_per_socket"] =
      drain_s > 0 ? std::round(st.queue[1].frames / sockets / drain_s * 10) / 10 : 0.0;
  q["bytes_per_s"] = drain_s > 0 ? std::round(st.queue[1].bytes / drain_s) : 0.0;
  q["setup_frames"] = st.queue[0].frames;
  q["setup_bytes"] = st.queue[0].bytes;
  q["after_frames"] = st.queue[2].frames;
  // The coalescing as one socket sees it: gaps between consecutive queue frames.
  q["gap_ms_agent0"] = latency_summary(st.queue_gaps_ns);
  uint64_t short_gaps = 0;
  for (auto g : st.queue_gaps_ns) short_gaps += g < 40'000'000;
  if (st.queue_gaps_ns.empty()) q["gap_ms_agent0"]["min"] = nullptr;
  else q["gap_ms_agent0"]["min"] = to_ms(*std::min_element(st.queue_gaps_ns.begin(), st.queue_gaps_ns.end()));
  q["gaps_under_40ms_agent0"] = short_gaps;
  q["last_total"] = st.last_queue_total;
  j["queue_fanout"] = q;
  ordered_json pr;
  pr["frames"] = st.presence[1].frames;
  pr["bytes"] = st.presence[1].bytes;
  pr["frames_per_s_per_socket"] =
      drain_s > 0 ? std::round(st.presence[1].frames / sockets / drain_s * 10) / 10 : 0.0;
  pr["setup_frames"] = st.presence[0].frames;
  pr["after_frames"] = st.presence[2].frames;
  j["presence_fanout"] = pr;
  j["other_agent_frames"] = st.other_agent.frames;
  j["visitor_queue_position_frames"] = st.queue_position.frames;
  j["visitor_queue_position_bytes"] = st.queue_position.bytes;
  j["visitor_status_frames"] = st.visitor_status.frames;
  uint64_t never_active = 0;
  for (auto& v : visitors) never_active += !v.conversation_id.empty() && v.active_frames == 0;
  j["visitor_active_status_frames"] = st.active_status;
  j["visitor_active_status_missing"] = never_active;
  j["visitor_active_status_dup"] = st.dup_active;
  if (st.cpu_go_us && st.cpu_served_us) {
    const double us = *st.cpu_served_us - *st.cpu_go_us;
    j["server_cpu_s"] = std::round(us / 1e3) / 1e3;
    j["server_cpu_us_per_dispatch"] = dispatched > 0 ? std::round(us / dispatched) : 0.0;
  } else {
    j["server_cpu_s"] = nullptr;
    j["server_cpu_us_per_dispatch"] = nullptr;
  }
  if (st.all_served_ns)
    j["bench_cpu_us_per_dispatch"] =
        dispatched > 0 ? std::round((st.self_cpu_served_s - st.self_cpu_go_s) * 1e6 / dispatched) : 0.0;
  j["setup_s"] = phases;
  j["socket_closes"] = st.socket_closes;
  j["errors"] = g_errors.count();
  j["error_kinds"] = g_errors.kinds_json();
  j["error_samples"] = g_errors.samples_json();
  if (deadline_hit) j["deadline_hit"] = true;
  if (!fatal.empty()) j["fatal"] = fatal;
  return j;
}

}  // namespace sb::router_bench
