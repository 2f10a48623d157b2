#include "benchmarks/loadgen_report.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>

#include "benchmarks/loadgen_idle.hpp"
#include "benchmarks/loadgen_pair_session.hpp"

namespace sb::loadgen {

namespace {

// CPU the load generator itself used: near threads x wall time means it, not the server, was
// the bottleneck.
void add_self_usage(ordered_json& j) {
  j["loadgen_cpu_s"] = std::round(self_cpu_s() * 1000) / 1000;
  j["wall_s"] = std::round(now_ns() / 1e6) / 1000;
}

}  // namespace

ordered_json pairs_report(run_state& st) {
  const options& opt = st.opt;
  // If the deadline cut the run short, drain_end is unset: count what arrived until now.
  const int64_t cutoff = g_clock.drain_end_ns ? g_clock.drain_end_ns : now_ns();
  uint64_t sent = 0, acked = 0, delivered = 0, lost = 0, lost_unacked = 0, lost_undelivered = 0,
           rejected = 0, window_delivered = 0, agent_before_ack = 0, echo_before_ack = 0;
  uint64_t dup_agent = 0, dup_visitor = 0, dup_acks = 0, gaps = 0, foreign = 0;
  int ready = 0;
  std::vector<int64_t> ack_lat, deliver_lat;
  std::ofstream trace;
  if (!opt.trace.empty()) trace.open(opt.trace);
  int pair_index = -1;
  for (auto& p : st.pairs) {
    ++pair_index;
    if (!p->ready.load()) continue;
    ++ready;
    std::vector<int64_t> ack_seqs;
    ack_seqs.reserve(p->messages.size());
    for (const message_record& r : p->messages) {
      ++sent;
      const bool was_acked = r.acks > 0 && r.ack_ns <= cutoff;
      const bool was_delivered = r.deliveries > 0 && r.deliver_ns <= cutoff;
      acked += was_acked;
      delivered += was_delivered;
      if (r.acks > 0) ack_seqs.push_back(r.ack_seq);
      if (r.deliveries > 0 && (r.acks == 0 || r.deliver_ns < r.ack_ns)) ++agent_before_ack;
      if (r.rejected) {
        ++rejected;
      } else if (!was_acked || !was_delivered) {
        ++lost;
        lost_unacked += !was_acked;
        lost_undelivered += !was_delivered;
      }
      const bool measured =
          r.sent_ns >= g_clock.warmup_end_ns && r.sent_ns < g_clock.measure_end_ns;
      if (measured && trace)
        trace << pair_index << ' ' << r.sent_ns / 1000 << ' ' << (was_acked ? r.ack_ns / 1000 : 0)
              << ' ' << (was_delivered ? r.deliver_ns / 1000 : 0) << ' ' << r.wire_ns / 1000
              << '\n';
      if (measured && was_acked) ack_lat.push_back(r.ack_ns - r.sent_ns);
      if (measured && was_delivered) deliver_lat.push_back(r.deliver_ns - r.sent_ns);
      if (was_delivered && r.deliver_ns >= g_clock.warmup_end_ns &&
          r.deliver_ns < g_clock.measure_end_ns)
        ++window_delivered;
    }
    std::sort(ack_seqs.begin(), ack_seqs.end());
    for (size_t i = 1; i < ack_seqs.size(); ++i) dup_acks += ack_seqs[i] == ack_seqs[i - 1];
    dup_acks += p->duplicate_acks;
    dup_agent += p->agent_duplicate_frames;
    dup_visitor += p->visitor_duplicate_frames;
    gaps += p->seq_gaps;
    foreign += p->foreign_frames;
    echo_before_ack += p->echo_before_ack;
  }
  // The measured window, shortened if the deadline cut the run.
  const int64_t window_end = std::min(cutoff, g_clock.measure_end_ns);
  const double window_s =
      g_clock.start_ns == 0 ? 0 : std::max<int64_t>(0, window_end - g_clock.warmup_end_ns) / 1e9;

  ordered_json j;
  j["mode"] = opt.mode == run_mode::closed ? "closed" : "open";
  j["pairs"] = opt.pairs;
  j["rate_target"] = opt.mode == run_mode::open ? ordered_json(opt.rate) : ordered_json(nullptr);
  j["duration_s"] = opt.duration_s;
  j["sent"] = sent;
  j["acked"] = acked;
  j["delivered"] = delivered;
  j["lost"] = lost;
  j["duplicates"] = dup_agent + dup_visitor + dup_acks;
  j["errors"] = g_errors.count();
  j["throughput_delivered_per_s"] =
      window_s > 0 ? std::round(window_delivered / window_s * 10) / 10 : 0.0;
  j["ack_latency_ms"] = latency_summary(std::move(ack_lat));
  j["deliver_latency_ms"] = latency_summary(std::move(deliver_lat));
  j["complete"] = st.complete;
  j["phase"] = g_phase.load();
  j["pairs_ready"] = ready;
  j["window"] = opt.mode == run_mode::closed ? ordered_json(opt.window) : ordered_json(nullptr);
  j["warmup_s"] = opt.warmup_s;
  j["threads"] = opt.threads;
  j["message_bytes"] = opt.message_bytes;
  j["rejected"] = rejected;
  j["lost_detail"] = {{"unacked", lost_unacked}, {"undelivered", lost_undelivered}};
  j["duplicates_detail"] = {
      {"agent", dup_agent}, {"visitor_frames", dup_visitor}, {"acks", dup_acks}};
  j["seq_gaps"] = gaps;
  j["foreign_frames"] = foreign;
  // Ordering: the author's own message frame before its ack breaks the contract; the agent
  // receiving a message before the author's ack is allowed but worth knowing (ack = durable).
  j["visitor_message_before_ack"] = echo_before_ack;
  j["agent_received_before_ack"] = agent_before_ack;
  add_self_usage(j);
  j["error_kinds"] = g_errors.kinds_json();
  j["error_samples"] = g_errors.samples_json();
  if (!st.fatal.empty()) j["fatal"] = st.fatal;
  return j;
}

ordered_json idle_report(run_state& st) {
  const options& opt = st.opt;
  ordered_json j;
  j["mode"] = "idle";
  j["sockets"] = opt.sockets;
  j["opened"] = g_idle.opened.load();
  j["failed"] = g_idle.failed.load() + (opt.sockets - static_cast<int>(st.idle.size()));
  j["dropped"] = g_idle.dropped.load();
  j["rss_before_kb"] = st.rss_before_kb ? ordered_json(*st.rss_before_kb) : ordered_json(nullptr);
  j["rss_after_kb"] = st.rss_after_kb ? ordered_json(*st.rss_after_kb) : ordered_json(nullptr);
  const int opened = g_idle.opened.load();
  if (st.rss_before_kb && st.rss_after_kb && opened > 0)
    j["rss_per_socket_bytes"] =
        std::round((*st.rss_after_kb - *st.rss_before_kb) * 1024.0 / opened);
  else
    j["rss_per_socket_bytes"] = nullptr;
  j["hold_s"] = opt.duration_s;
  j["source_addrs"] = opt.source_addrs;
  add_self_usage(j);
  j["complete"] = st.complete;
  j["phase"] = g_phase.load();
  j["errors"] = g_errors.count();
  j["error_kinds"] = g_errors.kinds_json();
  j["error_samples"] = g_errors.samples_json();
  if (!st.fatal.empty()) j["fatal"] = st.fatal;
  return j;
}

}  // namespace sb::loadgen
