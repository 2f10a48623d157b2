#pragma once
// switchboard_loadgen's command line: the options, their defaults and the --help text.
#include <cstdint>
#include <string>

namespace sb::loadgen {

enum class run_mode { closed, open, idle };

struct options {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  std::string email;
  std::string password;
  std::string site_key;  // optional: skip widget creation
  run_mode mode = run_mode::closed;
  int pairs = 100;
  double rate = 5000;
  double duration_s = 10;
  double warmup_s = 1;
  int window = 8;
  int sockets = 1000;
  int source_addrs = 0;
  int server_pid = 0;
  int concurrency = 200;
  int message_bytes = 32;
  int threads = 1;
  bool accept = false;
  double deadline_s = 0;  // 0 = derived
  std::string output;
  std::string trace;
};

extern const char* const k_help;

// Returns an error message, empty on success. Sets `help` when --help was asked for.
std::string parse_options(int argc, char** argv, options& o, bool& help);

}  // namespace sb::loadgen
