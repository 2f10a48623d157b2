#pragma once
// switchboard_loadgen's JSON report, built on the main thread after the io_context stopped
// (the keys are listed in --help; scripts read them, so they do not change).
#include "benchmarks/loadgen_run.hpp"

namespace sb::loadgen {

// closed/open mode: counts over the whole run, latencies and throughput over the measured window.
ordered_json pairs_report(run_state& st);

// idle mode: sockets opened/failed/dropped and the server's RSS growth per socket.
ordered_json idle_report(run_state& st);

}  // namespace sb::loadgen
