#pragma once
// The run as the controller drives it, on the io_context: log in and create the widget, then
// either the pairs (setup with bounded concurrency -> sync -> go -> warmup/measure with a progress
// line a second -> drain -> close) or idle mode; stops the io_context when done.
#include <boost/asio/awaitable.hpp>

#include "benchmarks/loadgen_run.hpp"

namespace sb::loadgen {

net::awaitable<void> controller(run_state* st_ptr);

}  // namespace sb::loadgen
