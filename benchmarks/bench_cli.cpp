#include "benchmarks/bench_cli.hpp"

#include <sys/resource.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <string>

namespace sb::bench {

bool parse_int(std::string_view s, int& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

bool parse_number(std::string_view s, double& out) {
  try {
    size_t used = 0;
    out = std::stod(std::string(s), &used);
    return used == s.size() && std::isfinite(out);
  } catch (...) {
    return false;
  }
}

int raise_fd_limit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return -1;
  if (lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &lim) != 0) return errno;
  }
  return 0;
}

}  // namespace sb::bench
