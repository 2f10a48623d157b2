#pragma once
// A small success-or-error value for the storage layer (LevelDB's Status, trimmed).
// events/ stays free of CAF and Asio; callers turn it into their own error types.
#include <string>
#include <utility>

namespace sb::events {

class status {
 public:
  status() = default;
  static status error(std::string message) { return status{std::move(message)}; }
  bool ok() const { return message_.empty(); }
  explicit operator bool() const { return ok(); }
  const std::string& message() const { return message_; }

 private:
  explicit status(std::string m) : message_(m.empty() ? "unknown error" : std::move(m)) {}
  std::string message_;
};

}  // namespace sb::events
