#pragma once
// The HTTP API (PROTOCOL.md "HTTP API"), free of Beast: the session turns a parsed request
// into api_request and writes back the api_response given to `respond`, which may be called
// from any thread (the session hops to its strand).
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "http/app.hpp"

namespace sb::http {

struct api_request {
  std::string method;  // GET, POST, PATCH, DELETE, OPTIONS
  std::string path;    // without the query
  std::string query;   // raw, without '?'
  std::string body;
  std::string authorization;
  std::string origin;
  std::string if_none_match;
  std::string remote_ip;
  std::string forwarded_for;  // X-Forwarded-For, trusted only from --trusted-proxies
  std::string content_type;   // of the body (uploads)
  std::string filename;       // X-Filename (uploads)
  std::string visitor_token;  // X-Visitor-Token (files)
  std::string hub_signature;  // X-Hub-Signature-256 (Meta's webhooks)
  std::string telegram_secret;  // X-Telegram-Bot-Api-Secret-Token (Telegram's webhook)
  std::string accept_encoding;  // static files: gzip when accepted
};

struct api_response {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
};

using respond_fn = std::function<void(api_response)>;

void handle_request(app& a, api_request req, respond_fn respond);

// Origin check for widget sockets and config: true if `origin` may embed the widget.
bool origin_allowed(const nlohmann::json& widget, const std::string& origin);

}  // namespace sb::http
