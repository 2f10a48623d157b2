#pragma once

// server_process: runs the real switchboard binary as a child process for one integration test.
//
// Each instance owns a fresh temporary data directory (mkdtemp) that outlives stop/kill so the
// server can be restarted on it, and is removed by the destructor (kept when the environment
// variable SWITCHBOARD_IT_KEEP_DATA is set, for post-mortems). The server listens on 127.0.0.1
// with an ephemeral port, which port() reports after start(). The child's stderr is the test's
// stderr; its stdout is forwarded to the test's stderr as well, prefixed.
//
// The destructor SIGKILLs a child that is still running, and the child asks the kernel to
// SIGKILL it if the test process dies (PR_SET_PDEATHSIG), so no server outlives its test.
// Not thread-safe: call from the test's thread only.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace switchboard::integration {

struct server_options {
  std::string admin_email = "admin@switchboard.test";
  std::string admin_password = "admin-password-42";
  std::vector<std::string> extra_args;
  std::chrono::milliseconds startup_timeout{20000};
};

class server_process {
 public:
  explicit server_process(server_options options = {});
  ~server_process();
  server_process(const server_process&) = delete;
  server_process& operator=(const server_process&) = delete;

  // Starts the binary and waits for its "listening on ADDR:PORT" line. Throws
  // std::runtime_error (with the reason) if it exits or stays silent past startup_timeout.
  void start();
  // start() again on the same data directory; the previous run must have been stopped.
  void restart();

  // SIGTERM and wait. Returns the exit code, 128+N when killed by signal N, or -1 when it had
  // not exited after `timeout` (it is then SIGKILLed).
  int stop_term(std::chrono::milliseconds timeout = std::chrono::seconds(15));
  // SIGKILL and wait. Returns like stop_term (137 normally).
  int kill9();

  bool running() const { return pid_ > 0; }
  uint16_t port() const { return port_; }
  const std::string& address() const { return address_; }
  const std::string& data_dir() const { return data_dir_; }
  const server_options& options() const { return options_; }
  const std::string& binary() const { return binary_; }

 private:
  int wait_for_exit(std::chrono::milliseconds timeout);
  void join_stdout_forwarder();

  server_options options_;
  std::string binary_;
  std::string data_dir_;
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::thread stdout_forwarder_;
  uint16_t port_ = 0;
  std::string address_;
};

}  // namespace switchboard::integration
