#pragma once

// http_client: a small synchronous HTTP/1.1 client for integration tests (one connection per
// request, every step bounded by a timeout). Beast stays in http_client.cpp so test TUs compile
// fast. Not thread-safe; cheap to construct, so make one per thread.

#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace switchboard::integration {

struct http_response {
  int status = 0;       // 0: no response, see transport_error
  nlohmann::json body;  // parsed JSON body; null if empty or not JSON
  std::string raw_body;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string transport_error;                 // empty when a response arrived

  std::string header(std::string_view name) const;
  // body["error"]["code"] when the body is an error object, else "".
  std::string error_code() const;
  // One line for assertion messages: "HTTP 404 {...}" or the transport error.
  std::string describe() const;
};

class http_client {
 public:
  explicit http_client(uint16_t port, std::string host = "127.0.0.1",
                       std::chrono::milliseconds timeout = std::chrono::seconds(10));

  // Sends `body` (if any) as application/json and `Authorization: Bearer <bearer>` (if any).
  http_response request(std::string_view method, std::string_view target,
                        const std::optional<nlohmann::json>& body = std::nullopt,
                        const std::optional<std::string>& bearer = std::nullopt) const;

  // Sends `body` verbatim with the given Content-Type (empty: no Content-Type header), and any
  // extra headers.
  http_response request_raw(std::string_view method, std::string_view target, std::string body,
                            std::string_view content_type,
                            const std::optional<std::string>& bearer = std::nullopt,
                            const std::vector<std::pair<std::string, std::string>>& headers = {}) const;

  http_response get(std::string_view target,
                    const std::optional<std::string>& bearer = std::nullopt) const {
    return request("GET", target, std::nullopt, bearer);
  }
  http_response post(std::string_view target, const nlohmann::json& body,
                     const std::optional<std::string>& bearer = std::nullopt) const {
    return request("POST", target, body, bearer);
  }

 private:
  uint16_t port_;
  std::string host_;
  std::chrono::milliseconds timeout_;
};

// Percent-encodes a query parameter value.
std::string url_encode(std::string_view value);

}  // namespace switchboard::integration
