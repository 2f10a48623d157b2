#pragma once
// fake_http_server: a local HTTP/1.1 server for tests of what Switchboard sends out (bot
// webhooks, outgoing webhooks, later the LLM and channel APIs). Listens on 127.0.0.1 (any free
// port unless one is given), answers with `handler`, keeps connections alive, records every
// request. stop() closes the listener and every connection (a receiver that is down); start()
// listens again on the same port. Thread-safe; the handler runs on a connection's thread.
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace switchboard::integration {

struct fake_request {
  std::string method, target, body;
  std::map<std::string, std::string> headers;  // names lower-case
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

struct fake_response {
  int status = 200;
  std::string body = "{}";
  std::string content_type = "application/json";
  std::chrono::milliseconds delay{0};
};

class fake_http_server {
 public:
  using handler = std::function<fake_response(const fake_request&)>;
  explicit fake_http_server(handler h = {}, unsigned short port = 0);
  ~fake_http_server();
  fake_http_server(const fake_http_server&) = delete;
  fake_http_server& operator=(const fake_http_server&) = delete;

  unsigned short port() const { return port_; }
  std::string url(const std::string& path = "/") const;
  void stop();
  void start();
  std::vector<fake_request> requests() const;
  std::size_t count() const;
  std::size_t connections() const;  // accepted since construction
  // Waits until at least n requests arrived; false on timeout.
  bool wait_for(std::size_t n, std::chrono::milliseconds timeout) const;

 private:
  struct state;
  std::shared_ptr<state> s_;
  unsigned short port_ = 0;
};

}  // namespace switchboard::integration
