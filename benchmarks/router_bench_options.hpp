#pragma once
// router_bench's command line: the options, their defaults and the --help text.
#include <cstdint>
#include <string>

namespace sb::router_bench {

struct options {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  std::string email, password;
  int agents = 50;
  int visitors = 1000;
  int capacity = 1;
  int in_flight = 0;  // closes outstanding across all agents, 0 = one per agent
  int concurrency = 100;
  int server_pid = 0;
  double deadline_s = 180;
  std::string output;
};

extern const char* const k_help;

// Returns an error message, empty on success. Sets `help` when --help was asked for.
std::string parse_options(int argc, char** argv, options& o, bool& help);

}  // namespace sb::router_bench
