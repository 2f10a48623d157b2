#pragma once
// router_bench's JSON report, built after the io_context stopped (scripts read its keys, so
// they do not change): served exactly once, dispatch latency as the agents saw it and as the
// server's histogram says, the queue/presence fan-out on the agent sockets, what the visitors
// heard, CPU per dispatch, the setup phases and errors.
#include <string>
#include <vector>

#include "benchmarks/router_bench_run.hpp"

namespace sb::router_bench {

// "complete" is true when every visitor was served exactly once, within the deadline.
ordered_json report(run_state& st, const std::vector<visitor>& visitors, const ordered_json& phases,
                    const std::string& fatal, bool deadline_hit);

}  // namespace sb::router_bench
