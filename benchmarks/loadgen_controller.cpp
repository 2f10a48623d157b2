#include "benchmarks/loadgen_controller.hpp"

#include <algorithm>
#include <boost/asio.hpp>
#include <iostream>
#include <memory>

#include "benchmarks/loadgen_frames.hpp"
#include "benchmarks/loadgen_idle.hpp"
#include "benchmarks/loadgen_pair_session.hpp"

namespace sb::loadgen {

namespace {

// {"name":"loadgen"} for POST /api/v1/widgets (a plain function: see loadgen_frames.hpp)
std::string widget_body() {
  json j = json::object();
  j["name"] = "loadgen";
  return j.dump();
}

net::awaitable<bool> login_and_widget(run_state* st_ptr) {
  run_state& st = *st_ptr;
  g_phase = "login";
  try {
    if (!st.opt.email.empty()) {
      const std::string body = login_body(st.opt.email, st.opt.password);
      auto res =
          co_await http_call(g_target.server, http::verb::post, k_login_path, body, std::string());
      if (res.status != 200) {
        st.fatal = "login failed: HTTP " + std::to_string(res.status) + " " + res.body;
        co_return false;
      }
      g_target.token = json_string(json::parse(res.body), "token");
      if (g_target.token.empty()) {
        st.fatal = "login answer has no token: " + res.body;
        co_return false;
      }
    }
    if (g_target.site_key.empty()) {
      const std::string body = widget_body();
      auto res = co_await http_call(g_target.server, http::verb::post, k_widgets_path, body,
                                    g_target.token);
      if (res.status != 200 && res.status != 201) {
        st.fatal = "widget creation failed: HTTP " + std::to_string(res.status) + " " + res.body;
        co_return false;
      }
      g_target.site_key = json_string(json::parse(res.body), "site_key");
      if (g_target.site_key.empty()) {
        st.fatal = "widget answer has no site_key: " + res.body;
        co_return false;
      }
    }
  } catch (const std::exception& e) {
    st.fatal = std::string("setup HTTP call failed: ") + e.what();
    co_return false;
  }
  co_return true;
}

net::awaitable<void> run_pairs(run_state* st_ptr) {
  run_state& st = *st_ptr;
  const options& opt = st.opt;
  g_phase = "setup";
  for (int i = 0; i < opt.pairs; ++i)
    st.pairs.push_back(std::make_shared<pair_session>(st.ioc, i, opt));

  // Bounded setup concurrency: start a pair only while fewer than --concurrency are in setup.
  int started = 0;
  for (;;) {
    int in_setup = 0, finished = 0;
    for (int i = 0; i < started; ++i) {
      if (st.pairs[i]->setup_finished.load())
        ++finished;
      else
        ++in_setup;
    }
    while (started < opt.pairs && in_setup < opt.concurrency) {
      auto p = st.pairs[started++];
      net::co_spawn(
          p->strand(), [p]() { return p->lifecycle(); }, net::detached);
      ++in_setup;
    }
    if (finished == opt.pairs) break;
    co_await sleep_for(5ms);
  }
  int ready = 0;
  for (auto& p : st.pairs) ready += p->ready.load() ? 1 : 0;
  std::cerr << "loadgen: " << ready << "/" << opt.pairs << " pairs ready\n";
  if (ready == 0) {
    st.fatal = "no pair could be set up";
    for (auto& p : st.pairs) p->request_close();
    co_return;
  }

  // Sync: let every socket read what the server queued during setup.
  g_phase = "sync";
  const int64_t sync_start = now_ns();
  for (auto& p : st.pairs)
    if (p->ready.load()) p->sync();
  for (;;) {
    bool all = true;
    for (auto& p : st.pairs) all = all && (!p->ready.load() || p->synced.load());
    if (all || now_ns() - sync_start > 15 * k_sec) break;
    co_await sleep_for(5ms);
  }
  std::cerr << "loadgen: sockets synced in " << (now_ns() - sync_start) / 1e6 << " ms\n";

  // Go. Everything before warmup_end is warmup.
  const int64_t start = now_ns() + 20'000'000;
  g_clock.start_ns = start;
  g_clock.warmup_end_ns = start + static_cast<int64_t>(opt.warmup_s * k_sec);
  g_clock.measure_end_ns = g_clock.warmup_end_ns + static_cast<int64_t>(opt.duration_s * k_sec);
  for (auto& p : st.pairs)
    if (p->ready.load()) p->go();

  g_phase = "warmup";
  int64_t next_report = start + k_sec;
  uint64_t last_delivered = 0;
  while (now_ns() < g_clock.measure_end_ns) {
    co_await sleep_for(std::chrono::nanoseconds(
        std::clamp<int64_t>(std::min(next_report, g_clock.measure_end_ns) - now_ns(), 0, k_sec)));
    if (now_ns() >= g_clock.warmup_end_ns) g_phase = "measure";
    if (now_ns() >= next_report) {
      uint64_t d = g_delivered.load();
      std::cerr << "loadgen: t=" << (next_report - start) / k_sec << "s sent=" << g_sent.load()
                << " delivered=" << d << " (+" << d - last_delivered << "/s)"
                << " errors=" << g_errors.count() << "\n";
      last_delivered = d;
      next_report += k_sec;
    }
  }

  // Drain: up to 5 s for writers to finish and every message to be acked and delivered.
  g_phase = "drain";
  const int64_t drain_limit = g_clock.measure_end_ns + 5 * k_sec;
  for (;;) {
    bool writers_done = true;
    int64_t outstanding = 0;
    for (auto& p : st.pairs) {
      if (!p->ready.load()) continue;
      writers_done = writers_done && p->writer_done.load();
      outstanding += p->outstanding.load();
    }
    if ((writers_done && outstanding == 0) || now_ns() >= drain_limit) break;
    co_await sleep_for(10ms);
  }
  g_stop_sending = true;
  g_clock.drain_end_ns = now_ns();

  g_phase = "close";
  g_closing = true;
  for (auto& p : st.pairs) p->request_close();
  const int64_t close_limit = now_ns() + 3 * k_sec;
  for (;;) {
    bool all = true;
    for (auto& p : st.pairs) all = all && p->finished.load();
    if (all || now_ns() >= close_limit) break;
    co_await sleep_for(10ms);
  }
}

}  // namespace

net::awaitable<void> controller(run_state* st_ptr) {
  run_state& st = *st_ptr;
  const bool logged_in = co_await login_and_widget(st_ptr);
  if (logged_in) {
    if (st.opt.mode == run_mode::idle) {
      co_await run_idle(st_ptr);
    } else {
      co_await run_pairs(st_ptr);
    }
    st.complete = st.fatal.empty();
  }
  g_phase = "done";
  st.ioc.stop();
}

}  // namespace sb::loadgen
