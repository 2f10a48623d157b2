#pragma once
// Command-line and process setup shared by the load generators (switchboard_loadgen,
// router_bench); part of the sb_bench_client library. Each program keeps its own option loop
// and usage text; these are the pieces they have in common.
//
//   parse_int, parse_number  a whole option value as an int / a finite double
//   raise_fd_limit           soft RLIMIT_NOFILE up to the hard limit (thousands of sockets)
#include <string_view>

namespace sb::bench {

// True when all of `s` is a decimal int (std::from_chars: an optional "-", no "+" or spaces).
bool parse_int(std::string_view s, int& out);

// True when all of `s` is a finite number as std::stod reads it.
bool parse_number(std::string_view s, double& out);

// Raises the soft RLIMIT_NOFILE to the hard limit. Returns 0 on success or when it already
// was there, the errno of a failed setrlimit, or -1 when the limit could not be read.
int raise_fd_limit();

}  // namespace sb::bench
