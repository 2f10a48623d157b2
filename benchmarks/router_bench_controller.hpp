#pragma once
// The run as the controller drives it: admin login, widget, PATCH /workspace {routing:auto,
// default_capacity}; create, log in and connect the agents; open the visitors; settle; drain
// (every agent closes as fast as it can, a progress line a second); close every socket and stop
// the io_context. Each step's time goes into `phases` (a "router_bench: <step> done" line too);
// a setup failure into `fatal`.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <string>
#include <vector>

#include "benchmarks/router_bench_run.hpp"

namespace sb::router_bench {

net::awaitable<void> controller(run_state& st, std::vector<agent>& agents,
                                std::vector<visitor>& visitors, ordered_json& phases,
                                std::string& fatal, net::io_context& ioc);

}  // namespace sb::router_bench
