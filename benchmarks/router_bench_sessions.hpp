#pragma once
// What each socket does during the run: an agent's reader (counts queue/presence frames,
// assigned frames -> served and dispatch latency), an agent's worker (closes what it holds, as
// fast as --in-flight lets it, in the drain) and a visitor's session (open a conversation with
// one message, then count queue_position and status frames).
#include <boost/asio/awaitable.hpp>

#include "benchmarks/router_bench_run.hpp"

namespace sb::router_bench {

net::awaitable<void> agent_reader(run_state& st, agent& a);
net::awaitable<void> agent_worker(run_state& st, agent& a);
// Decrements `in_flight` when the conversation is open (or opening failed), increments `opened`
// when it is.
net::awaitable<void> visitor_session(run_state& st, visitor& v, int& in_flight, int& opened);

}  // namespace sb::router_bench
