#include "tests/integration/support/server_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <stdexcept>

#ifndef SWITCHBOARD_BINARY
#error "SWITCHBOARD_BINARY must be defined to the path of the switchboard binary"
#endif

namespace switchboard::integration {
namespace {

using clock_type = std::chrono::steady_clock;

constexpr std::string_view listening_prefix = "listening on ";

std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "stopped (status " + std::to_string(status) + ")";
}

int status_to_code(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

void write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    text.remove_prefix(static_cast<size_t>(n));
  }
}

void forward_line(std::string_view line) {
  std::string out = "[switchboard stdout] ";
  out.append(line);
  out.push_back('\n');
  write_all(STDERR_FILENO, out);
}

// Copies whatever the server still writes to stdout until EOF, so a chatty server never
// blocks on a full pipe.
void forward_stdout(int fd, std::string pending) {
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    pending.append(buf, static_cast<size_t>(n));
    size_t nl;
    while ((nl = pending.find('\n')) != std::string::npos) {
      forward_line(std::string_view(pending).substr(0, nl));
      pending.erase(0, nl + 1);
    }
  }
  if (!pending.empty()) forward_line(pending);
  ::close(fd);
}

}  // namespace

server_process::server_process(server_options options) : options_(std::move(options)) {
  const char* override_binary = std::getenv("SWITCHBOARD_BINARY");
  binary_ = (override_binary != nullptr && *override_binary != '\0') ? override_binary
                                                                     : SWITCHBOARD_BINARY;
  std::string tmpl = (std::filesystem::temp_directory_path() / "switchboard-it-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error(errno_text("mkdtemp"));
  data_dir_ = tmpl;
}

server_process::~server_process() {
  if (running()) kill9();
  join_stdout_forwarder();
  if (std::getenv("SWITCHBOARD_IT_KEEP_DATA") != nullptr) {
    std::cerr << "[server_process] keeping data dir " << data_dir_ << "\n";
    return;
  }
  std::error_code ec;
  std::filesystem::remove_all(data_dir_, ec);
}

void server_process::start() {
  if (running()) throw std::logic_error("server_process::start: already running");
  join_stdout_forwarder();
  port_ = 0;
  address_.clear();

  std::vector<std::string> args = {binary_,
                                   "--data-dir",
                                   data_dir_,
                                   "--http-address",
                                   "127.0.0.1",
                                   "--http-port",
                                   "0",
                                   "--admin-email",
                                   options_.admin_email,
                                   "--admin-password",
                                   options_.admin_password};
  args.insert(args.end(), options_.extra_args.begin(), options_.extra_args.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error(errno_text("pipe2"));
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    throw std::runtime_error(errno_text("fork"));
  }
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    ::sigaction(SIGPIPE, &dfl, nullptr);
    ::sigaction(SIGTERM, &dfl, nullptr);
    ::sigaction(SIGINT, &dfl, nullptr);
    if (::dup2(fds[1], STDOUT_FILENO) < 0) ::_exit(127);
    ::execv(argv[0], argv.data());
    const char msg[] = "[server_process] execv failed for the switchboard binary\n";
    (void)!::write(STDERR_FILENO, msg, sizeof msg - 1);
    ::_exit(127);
  }
  ::close(fds[1]);
  pid_ = pid;
  stdout_fd_ = fds[0];

  const auto deadline = clock_type::now() + options_.startup_timeout;
  std::string pending;
  std::string failure;
  for (;;) {
    size_t nl;
    bool found = false;
    while ((nl = pending.find('\n')) != std::string::npos) {
      std::string line = pending.substr(0, nl);
      pending.erase(0, nl + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      forward_line(line);
      if (line.rfind(listening_prefix, 0) == 0) {
        std::string endpoint = line.substr(listening_prefix.size());
        const auto colon = endpoint.rfind(':');
        if (colon == std::string::npos) {
          failure = "cannot parse port from '" + line + "'";
          break;
        }
        address_ = endpoint.substr(0, colon);
        const int p = std::atoi(endpoint.c_str() + colon + 1);
        if (p <= 0 || p > 65535) {
          failure = "cannot parse port from '" + line + "'";
          break;
        }
        port_ = static_cast<uint16_t>(p);
        found = true;
        break;
      }
    }
    if (found || !failure.empty()) break;

    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
    if (left.count() <= 0) {
      failure = "no 'listening on' line within " +
                std::to_string(options_.startup_timeout.count()) + " ms";
      break;
    }
    pollfd pfd{stdout_fd_, POLLIN, 0};
    const int r = ::poll(&pfd, 1, static_cast<int>(std::min<int64_t>(left.count(), 200)));
    if (r < 0 && errno != EINTR) {
      failure = errno_text("poll");
      break;
    }
    if (r <= 0) continue;
    char buf[4096];
    const ssize_t n = ::read(stdout_fd_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      failure = "stdout closed before 'listening on'";
      break;
    }
    pending.append(buf, static_cast<size_t>(n));
  }

  if (!failure.empty()) {
    int status = 0;
    std::string how;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      how = describe_status(status);
    } else {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      how = "killed by the test after the failure";
    }
    pid_ = -1;
    ::close(stdout_fd_);
    stdout_fd_ = -1;
    throw std::runtime_error("switchboard did not start (" + binary_ + "): " + failure +
                             "; process " + how);
  }
  stdout_forwarder_ = std::thread(forward_stdout, stdout_fd_, std::move(pending));
  stdout_fd_ = -1;  // owned by the forwarder now
}

void server_process::restart() {
  if (running()) throw std::logic_error("server_process::restart: still running");
  start();
}

int server_process::wait_for_exit(std::chrono::milliseconds timeout) {
  const auto deadline = clock_type::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      join_stdout_forwarder();
      return status_to_code(status);
    }
    if (r < 0 && errno != EINTR) {
      pid_ = -1;
      return -1;
    }
    if (clock_type::now() >= deadline) return -2;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

int server_process::stop_term(std::chrono::milliseconds timeout) {
  if (!running()) return -1;
  ::kill(pid_, SIGTERM);
  const int code = wait_for_exit(timeout);
  if (code != -2) return code;
  std::cerr << "[server_process] switchboard ignored SIGTERM for " << timeout.count()
            << " ms; sending SIGKILL\n";
  kill9();
  return -1;
}

int server_process::kill9() {
  if (!running()) return -1;
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  join_stdout_forwarder();
  return status_to_code(status);
}

void server_process::join_stdout_forwarder() {
  if (stdout_forwarder_.joinable()) stdout_forwarder_.join();
}

}  // namespace switchboard::integration
