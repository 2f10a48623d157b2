#include "benchmarks/router_bench_controller.hpp"

#include <unistd.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <cmath>
#include <ctime>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string_view>

#include "benchmarks/router_bench_sessions.hpp"

namespace sb::router_bench {

namespace {

// A staff write, retried on 429 (the per-token write limit) for up to a minute.
net::awaitable<http_result> staff_write(http::verb verb, std::string path, std::string body) {
  for (int attempt = 0;; ++attempt) {
    auto r = co_await http_call(g_target.server, verb, path, body, g_target.admin_token);
    if (r.status != 429 || attempt >= 60) co_return r;
    co_await sleep_for(1s);
  }
}

// Runs `n` jobs with at most `width` at once; each job is job(i).
template <class Job>
net::awaitable<void> bounded(int n, int width, Job job) {
  int in_flight = 0, done = 0;
  auto ex = co_await net::this_coro::executor;
  for (int i = 0; i < n || done < n;) {
    if (i < n && in_flight < width) {
      ++in_flight;
      net::co_spawn(ex, job(i), [&](std::exception_ptr) { --in_flight, ++done; });
      ++i;
      continue;
    }
    co_await sleep_for(2ms);
  }
}

// The server's own `switchboard_router_dispatch_seconds` histogram (slot freed -> assignment
// durable, inside the server) from GET /metrics, read before and after the drain.
net::awaitable<histogram_buckets> dispatch_buckets() {
  histogram_buckets out;
  auto r = co_await http_call(g_target.server, http::verb::get, "/metrics", "", "");
  static constexpr std::string_view prefix = "switchboard_router_dispatch_seconds_bucket{le=\"";
  std::istringstream lines(r.body);
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with(prefix)) continue;
    auto q = line.find('"', prefix.size());
    auto le = line.substr(prefix.size(), q - prefix.size());
    double bound = le == "+Inf" ? INFINITY : std::stod(le);
    out.emplace_back(bound, std::stod(line.substr(line.rfind(' ') + 1)));
  }
  co_return out;
}

struct setup_failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

json parse_body(const http_result& r, const char* what, unsigned want) {
  if (r.status != want && !(want == 201 && r.status == 200))
    throw setup_failure(std::string(what) + ": HTTP " + std::to_string(r.status) + " " + r.body);
  json j = json::parse(r.body, nullptr, false);
  if (!j.is_object()) throw setup_failure(std::string(what) + ": not a JSON object: " + r.body);
  return j;
}

}  // namespace

// GCC 12 flags this coroutine's frame with -Wmismatched-new-delete (Asio's awaitable frames
// have their own operator new/delete): a false positive, GCC bug 109224, fixed in GCC 13.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
net::awaitable<void> controller(run_state& st, std::vector<agent>& agents,
                                std::vector<visitor>& visitors, ordered_json& phases,
                                std::string& fatal, net::io_context& ioc) {
  const options& opt = st.opt;
  auto ex = co_await net::this_coro::executor;
  auto phase = [&, t0 = now_ns()](const char* name) mutable {
    const int64_t t = now_ns();
    phases[name] = std::round((t - t0) / 1e6) / 1e3;
    t0 = t;
    std::cerr << "router_bench: " << name << " done in " << phases[name] << " s\n";
  };
  try {
    const std::string password = "router-bench-pass";
    auto login = co_await http_call(g_target.server, http::verb::post, "/api/v1/auth/login",
                                    login_body(opt.email, opt.password), "");
    g_target.admin_token = json_string(parse_body(login, "admin login", 200), "token");
    json w = json::object();
    w["name"] = "router_bench";
    g_target.site_key =
        json_string(parse_body(co_await staff_write(http::verb::post, "/api/v1/widgets", w.dump()),
                               "widget creation", 201),
                    "site_key");
    json ws = json::object();
    ws["routing"] = "auto";
    ws["default_capacity"] = opt.capacity;
    parse_body(co_await staff_write(http::verb::patch, "/api/v1/workspace", ws.dump()),
               "PATCH /workspace", 200);
    phase("admin");

    // Agents: create, log in, connect (a few at a time: password hashing is slow on purpose).
    const std::string run_tag = std::to_string(::getpid()) + "-" + std::to_string(std::time(nullptr));
    for (int i = 0; i < opt.agents; ++i) {
      agents[i].index = i;
      agents[i].email = "rb-" + run_tag + "-" + std::to_string(i) + "@example.com";
    }
    co_await bounded(opt.agents, 4, [&](int i) -> net::awaitable<void> {
      json u = json::object();
      u["email"] = agents[i].email;
      u["password"] = password;
      u["name"] = "Bench agent " + std::to_string(i);
      u["role"] = "agent";
      auto r = co_await staff_write(http::verb::post, "/api/v1/users", u.dump());
      if (r.status != 201 && r.status != 200)
        g_errors.add("create user", "HTTP " + std::to_string(r.status) + " " + r.body);
    });
    phase("create_users");
    co_await bounded(opt.agents, 4, [&](int i) -> net::awaitable<void> {
      auto r = co_await http_call(g_target.server, http::verb::post, "/api/v1/auth/login",
                                  login_body(agents[i].email, password), "");
      json j = json::parse(r.body, nullptr, false);
      if (r.status != 200 || !j.is_object())
        co_return g_errors.add("agent login", "HTTP " + std::to_string(r.status) + " " + r.body +
                                                  (r.status == 429 ? " (raise --login-rate)" : ""));
      agents[i].token = json_string(j, "token");
      if (j.contains("user") && j["user"].is_object()) agents[i].user_id = json_string(j["user"], "id");
    });
    phase("login_agents");
    int connected = 0;
    co_await bounded(opt.agents, 10, [&](int i) -> net::awaitable<void> {
      agent& a = agents[i];
      if (a.token.empty()) co_return;
      try {
        a.ws = std::make_unique<ws_stream>(ex);
        a.wake = std::make_unique<net::steady_timer>(ex);
        co_await connect_ws(g_target.server, *a.ws, "/ws/agent");
        const std::string hello = agent_hello_frame(a.token);
        co_await ws_write(*a.ws, hello);
        co_await read_until(*a.ws, a.buf, "welcome", 15s);
        ++connected;
        st.wakes.push_back(a.wake.get());
        net::co_spawn(ex, agent_reader(st, a), net::detached);
      } catch (const std::exception& e) {
        g_errors.add("agent socket", e.what());
      }
    });
    phase("connect_agents");
    if (connected != opt.agents)
      throw setup_failure(std::to_string(connected) + "/" + std::to_string(opt.agents) +
                          " agents connected");

    // Visitors: each opens a conversation with one message (acked = durable).
    int in_flight = 0, opened = 0;
    for (int i = 0; i < opt.visitors;) {
      if (in_flight < opt.concurrency) {
        visitors[i].index = i;
        ++in_flight;
        net::co_spawn(ex, visitor_session(st, visitors[i], in_flight, opened), net::detached);
        ++i;
        continue;
      }
      co_await sleep_for(1ms);
    }
    while (in_flight > 0) co_await sleep_for(2ms);
    phase("open_visitors");
    if (opened != opt.visitors)
      throw setup_failure(std::to_string(opened) + "/" + std::to_string(opt.visitors) +
                          " visitors opened a conversation");

    // Settle: the first agents x C assigned, and a queue frame showing the rest waiting.
    const int expect_initial = std::min(opt.visitors, opt.agents * opt.capacity);
    const int64_t settle_limit = now_ns() + 15 * k_sec;
    while ((st.initial_assigned < expect_initial ||
            st.last_queue_total != opt.visitors - expect_initial) &&
           now_ns() < settle_limit)
      co_await sleep_for(5ms);
    co_await sleep_for(200ms);  // let the last coalesced queue frame of the setup pass
    phase("settle");
    if (st.initial_assigned != expect_initial)
      g_errors.add("settle", std::to_string(st.initial_assigned) + " assigned before the drain, expected " +
                                 std::to_string(expect_initial));

    // Drain: every agent closes as fast as it can.
    st.server_buckets_before = co_await dispatch_buckets();
    if (opt.server_pid) st.cpu_go_us = process_cpu_us(opt.server_pid);
    st.self_cpu_go_s = self_cpu_s();
    st.draining = true;
    st.go_ns = now_ns();
    int workers = 0;
    for (auto& a : agents) {
      ++workers;
      net::co_spawn(ex, agent_worker(st, a), [&](std::exception_ptr) { --workers; });
    }
    int64_t next_report = st.go_ns + k_sec;
    while (workers > 0) {
      co_await sleep_for(5ms);
      if (now_ns() >= next_report) {
        std::cerr << "router_bench: t=" << (next_report - st.go_ns) / k_sec << "s served=" << st.served
                  << " closes=" << st.closes_sent << " queue total=" << st.last_queue_total << "\n";
        next_report += k_sec;
      }
    }
    phase("drain");
    co_await sleep_for(300ms);  // late duplicates, the last queue frames
    st.server_buckets_after = co_await dispatch_buckets();
  } catch (const setup_failure& e) {
    fatal = e.what();
  } catch (const std::exception& e) {
    fatal = std::string("setup: ") + e.what();
  }
  g_closing = true;
  for (auto& a : agents)
    if (a.ws) co_await close_ws(*a.ws);
  for (auto& v : visitors)
    if (v.ws) co_await close_ws(*v.ws);
  ioc.stop();
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

}  // namespace sb::router_bench
