#pragma once
// egress_client: every HTTP(S) request the server makes to the outside (bot flows' webhook
// actions, outgoing webhooks, later the LLM and channel APIs) goes through one of these, so
// the rules live in one place:
// - only http and https URLs, no user:password@, no redirects followed;
// - the host is resolved and every address is checked: private, loopback, link-local,
//   multicast and other special ranges are refused unless `allow_private` (the operator's
//   --allow-private-egress); the connection goes to a checked address (no DNS rebinding);
// - https verifies the certificate chain against the system store and the host name;
// - a connect timeout, a whole-request timeout, a response body cap;
// - keep-alive connections are pooled per scheme://host:port.
//
// Threads: one Asio thread of its own ("sb-egress"). send() may be called from any thread;
// `done` runs exactly once, on the egress thread, so it must not block; after shutdown() it
// runs at once on the caller's thread with error "stopped". Beast/Asio stay inside egress.cpp.
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sb::integrations {

struct egress_options {
  bool allow_private = false;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds request_timeout{10000};  // resolve to last byte of the answer
  std::size_t max_response_bytes = 1 << 20;
  std::size_t max_in_flight = 1024;  // beyond: error "busy" at once
  std::size_t max_idle_per_host = 32;
  std::chrono::milliseconds idle_keepalive{30000};  // pooled connections older than this close
  std::string user_agent = "Switchboard/0.1";
  std::string ca_file;  // extra trusted CA (PEM), for private deployments and tests
};

struct egress_request {
  std::string method = "POST";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::optional<std::chrono::milliseconds> timeout;  // overrides request_timeout
  // Streaming: called on the egress thread with each piece of a 2xx body as it arrives (the
  // whole body is still in the response at the end).
  std::function<void(std::string_view)> on_data{};
};

struct egress_response {
  int status = 0;     // HTTP status; 0 when there was no answer (see error)
  std::string error;  // empty on an answer; else refused | timeout | too_large | connect | ...
  std::string body;
  std::string content_type;
  std::chrono::microseconds elapsed{0};
  bool ok() const { return error.empty() && status >= 200 && status < 300; }
};

struct parsed_url {
  bool tls = false;
  std::string host;  // without brackets for IPv6 literals
  std::string port;  // "80" / "443" unless given
  std::string target;  // path and query, at least "/"
};
// nullopt and `error` for anything but a plain http(s) URL.
std::optional<parsed_url> parse_url(std::string_view url, std::string& error);

// True for an address that is on the public internet (not private, loopback, link-local,
// shared, documentation, multicast, reserved; IPv4-mapped and NAT64 IPv6 checked as IPv4).
// False for anything that does not parse as an address.
bool public_address(std::string_view ip);

class egress_client {
 public:
  explicit egress_client(egress_options opts);
  ~egress_client();  // shutdown()
  // Requests in flight end with error "stopped", later ones fail at once. Idempotent.
  void shutdown();
  egress_client(const egress_client&) = delete;
  egress_client& operator=(const egress_client&) = delete;

  void send(egress_request req, std::function<void(egress_response)> done);
  const egress_options& options() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sb::integrations
