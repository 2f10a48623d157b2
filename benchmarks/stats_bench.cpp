// Micro-benchmark of the stats read model (projections/stats_*): folds 1,000,000 synthetic
// events of one workspace spread over 30 days, then times the reads.
//
//   nice ninja -C build -j1 stats_bench
//   ./build/benchmarks/stats_bench [--events N] [--reads N]
//
// The mix per conversation (20 events, 50,000 conversations): 4 visitor_seen (its visitor and
// 3 others of a pool of 60,000, 12 countries), 1 widget_opened, 1 conversation_opened (90% web,
// 10% email), 12 message_posted (visitor 5, agent 5, bot 1, a private note or a system message
// 1), 2 status_changed (active with one of 50 agents, closed): 20% / 5% / 5% / 60% / 10%.
//
// Reported: the pure fold in memory (stats_fold::apply, events/s); a full replay through
// stats_projection over a real RocksDB log (start(rebuild=true): read_from, fold, saving the
// pieces once a second); then overview() over 30 days and over single days (p50/p99 over
// --reads calls each), timeseries(visitors, day, 30 days, Europe/Berlin) and agents(30 days).
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "events/group_commit_writer.hpp"
#include "events/log.hpp"
#include "projections/stats_fold.hpp"
#include "projections/stats_projection.hpp"
#include "tests/support/temp_dir.hpp"

namespace {
using json = nlohmann::json;
using clock_type = std::chrono::steady_clock;
using sb::events::envelope;

constexpr std::int64_t kHour = 3'600'000;
constexpr std::int64_t kDay = 24 * kHour;
constexpr std::int64_t kStart = 1'704'067'200'000;  // 2024-01-01 00:00 UTC
constexpr int kDays = 30;
const std::string kWorkspace = "ws_bench";

std::vector<envelope> synthetic_events(std::size_t n) {
  std::mt19937_64 rng{42};
  const std::size_t conversations = n / 20;
  const char* countries[] = {"DE", "DE", "DE", "US", "US", "FR", "GB", "NL",
                             "AT", "CH", "IT", "ES", "PL", "",   "SE"};
  auto pick = [&](std::size_t k) { return static_cast<std::size_t>(rng() % k); };
  std::vector<envelope> evs;
  evs.reserve(conversations * 20);
  auto add = [&](const std::string& stream, const std::string& type, std::int64_t ts, json data) {
    data["ts"] = ts;
    evs.push_back({type, 1, stream, 0, 0, ts, data.dump()});
  };
  for (std::size_t c = 0; c < conversations; ++c) {
    auto cid = "cv_" + std::to_string(c);
    auto vid = "vi_" + std::to_string(pick(60'000));
    auto stream = "conversation/" + cid;
    std::int64_t ts = kStart + static_cast<std::int64_t>(c * (kDays * kDay) / conversations);
    for (int k = 0; k < 4; ++k) {
      auto v = k == 0 ? vid : "vi_" + std::to_string(pick(60'000));
      add("visitor/" + v, "visitor_seen", ts - 60'000 + k * 1'000,
          {{"visitor_id", v},
           {"workspace_id", kWorkspace},
           {"site_key", "wk_1"},
           {"country", countries[pick(std::size(countries))]},
           {"city", "Berlin"},
           {"page_url", "https://example.com/pricing"}});
    }
    add("visitor/" + vid, "widget_opened", ts - 30'000,
        {{"visitor_id", vid},
         {"workspace_id", kWorkspace},
         {"site_key", "wk_1"},
         {"page_url", "https://example.com/pricing"}});
    json opened = {{"conversation_id", cid},
                   {"workspace_id", kWorkspace},
                   {"site_key", "wk_1"},
                   {"visitor", {{"kind", "visitor"}, {"id", vid}, {"name", "Visitor"}}}};
    if (pick(10) == 0) opened["channel"] = "email";
    add(stream, "conversation_opened", ts, opened);
    auto agent = "us_" + std::to_string(pick(50));
    json agent_ref = {{"id", agent}, {"name", "Agent " + agent}};
    std::uint64_t seq = 0;
    auto message = [&](const std::string& kind, const std::string& id, std::int64_t at,
                       bool is_private) {
      json d = {{"conversation_id", cid},
                {"seq", ++seq},
                {"client_msg_id", "m" + std::to_string(seq)},
                {"sender", {{"kind", kind}, {"id", id}, {"name", kind}}},
                {"text", "Hello, I have a question about the pricing page"},
                {"attachments", json::array()}};
      if (is_private) d["private"] = true;
      add(stream, "message_posted", at, d);
    };
    std::int64_t at = ts;
    message("visitor", vid, at += 1'000, false);
    message("bot", "bot", at += 2'000, false);
    add(stream, "status_changed", at += 20'000 + static_cast<std::int64_t>(pick(600'000)),
        {{"conversation_id", cid},
         {"seq", ++seq},
         {"status", "active"},
         {"agent", agent_ref},
         {"queue_position", nullptr}});
    for (int k = 0; k < 4; ++k) {
      message("agent", agent, at += static_cast<std::int64_t>(pick(120'000)), false);
      message("visitor", vid, at += static_cast<std::int64_t>(pick(180'000)), false);
    }
    message("agent", agent, at += static_cast<std::int64_t>(pick(120'000)), false);
    if (pick(2))
      message("agent", agent, at += 5'000, true);
    else
      message("system", "", at += 5'000, false);
    add(stream, "status_changed", at += static_cast<std::int64_t>(pick(1'800'000)),
        {{"conversation_id", cid},
         {"seq", ++seq},
         {"status", "closed"},
         {"agent", agent_ref},
         {"queue_position", nullptr}});
  }
  // The log holds them in commit order, which follows time.
  std::stable_sort(evs.begin(), evs.end(), [](auto& a, auto& b) { return a.ts < b.ts; });
  return evs;
}

double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

double thread_cpu_us() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

// Wall-clock latency (what a caller sees, preemption included: other jobs share the 2 cores)
// and the CPU time of the call itself.
struct latency {
  double p50_us, p99_us, cpu_p50_us, cpu_p99_us;
};
template <typename F>
latency time_reads(int reads, F&& f) {
  for (int i = 0; i < std::max(10, reads / 20); ++i) f(i);  // warm-up
  std::vector<double> us, cpu;
  us.reserve(reads);
  cpu.reserve(reads);
  for (int i = 0; i < reads; ++i) {
    auto c = thread_cpu_us();
    auto t = clock_type::now();
    f(i);
    us.push_back(seconds_since(t) * 1e6);
    cpu.push_back(thread_cpu_us() - c);
  }
  std::sort(us.begin(), us.end());
  std::sort(cpu.begin(), cpu.end());
  auto at = [](auto& v, std::size_t pct) {
    return v[std::min(v.size() - 1, v.size() * pct / 100)];
  };
  return {at(us, 50), at(us, 99), at(cpu, 50), at(cpu, 99)};
}

void report(const char* what, const latency& l) {
  std::printf("%-48s p50 %5.0f us  p99 %5.0f us   (CPU p50 %5.0f us  p99 %5.0f us)\n", what,
              l.p50_us, l.p99_us, l.cpu_p50_us, l.cpu_p99_us);
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t n = 1'000'000;
  int reads = 2'000;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--events")
      n = std::strtoull(argv[i + 1], nullptr, 10);
    else if (a == "--reads")
      reads = std::atoi(argv[i + 1]);
  }
  std::printf("generating %zu events...\n", n);
  auto evs = synthetic_events(n);
  n = evs.size();

  {
    sb::projections::stats_fold fold;
    auto t = clock_type::now();
    std::size_t applied = 0;
    for (auto& e : evs) applied += fold.apply(e).has_value();
    auto s = seconds_since(t);
    std::printf("pure fold (memory):        %zu events in %.2f s = %.0f events/s (%zu counted)\n",
                n, s, n / s, applied);
  }

  sb::test::temp_dir dir;
  sb::events::status st;
  auto log = sb::events::event_log::open({dir.path(), nullptr}, st);
  if (!log) {
    std::fprintf(stderr, "cannot open the log: %s\n", st.message().c_str());
    return 1;
  }
  {
    sb::events::group_commit_writer::options wopts;
    wopts.sync = false;  // setting up the log is not what is measured
    sb::events::group_commit_writer writer{*log, wopts};
    std::map<std::string, std::uint64_t> seqs;
    for (auto& e : evs) e.seq = ++seqs[e.stream];
    for (std::size_t i = 0; i < evs.size(); i += 4096) {
      std::vector<envelope> chunk(evs.begin() + i, evs.begin() + std::min(evs.size(), i + 4096));
      std::promise<void> done;
      auto f = done.get_future();
      auto ast = writer.append(std::move(chunk),
                               [&](const sb::events::append_result&) { done.set_value(); });
      if (!ast) {
        std::fprintf(stderr, "append failed: %s\n", ast.message().c_str());
        return 1;
      }
      f.wait();
    }
  }
  evs.clear();
  evs.shrink_to_fit();

  sb::projections::stats_projection projection{*log, std::chrono::milliseconds(0)};
  auto t = clock_type::now();
  if (auto s = projection.start(true); !s) {
    std::fprintf(stderr, "start failed: %s\n", s.message().c_str());
    return 1;
  }
  auto replay = seconds_since(t);
  std::printf("full replay (RocksDB log): %zu events in %.2f s = %.0f events/s\n", n, replay,
              n / replay);

  const std::int64_t end = kStart + kDays * kDay;
  // Let RocksDB finish the flushes and compactions the replay started before timing reads.
  std::this_thread::sleep_for(std::chrono::seconds(3));
  auto o = projection.overview(kWorkspace, kStart, end, "", 0, end - kHour);
  std::printf("30-day overview: %s\n", o.dump().c_str());

  std::mt19937 rng{7};
  auto month = time_reads(reads, [&](int i) {
    // 30-day ranges at varying hours, with visitors_today in Berlin
    auto from = kStart + (i % 24) * kHour;
    projection.overview(kWorkspace, from, from + kDays * kDay, "Europe/Berlin", 5,
                        from + 29 * kDay);
  });
  auto day = time_reads(reads, [&](int) {
    auto from = kStart + static_cast<std::int64_t>(rng() % kDays) * kDay - kHour;  // a Berlin day
    projection.overview(kWorkspace, from, from + kDay, "Europe/Berlin", 5, from + 12 * kHour);
  });
  auto series = time_reads(std::max(1, reads / 10), [&](int) {
    projection.timeseries(kWorkspace, "visitors", "day", kStart, end, "Europe/Berlin");
  });
  auto agents =
      time_reads(std::max(1, reads / 10), [&](int) { projection.agents(kWorkspace, kStart, end); });
  report("overview, 30-day range:", month);
  report("overview, 1-day range:", day);
  report("timeseries visitors/day, 30 days, Europe/Berlin:", series);
  report("agents, 30-day range:", agents);
  projection.stop();
  return 0;
}
