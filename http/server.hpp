#pragma once
// server: the Beast edge. One listener serves HTTP/1.1 and WebSocket on a small fixed pool of
// I/O threads; each connection runs on its own strand. Beast stays out of this header.
#include <cstdint>
#include <memory>
#include <string>

#include "http/app.hpp"

namespace sb::http {

class server {
 public:
  server(app& a, const std::string& address, std::uint16_t port, unsigned io_threads);
  ~server();
  // Binds and listens; false (with a message in `error`) if the address is unusable.
  bool start(std::string& error);
  std::uint16_t port() const;
  // Stops accepting, closes every WebSocket with 1001, waits briefly for them, joins threads.
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sb::http
