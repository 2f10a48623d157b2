#pragma once
// Error codes shared by the actors and the edge; the names are PROTOCOL.md's error codes.
#include <string>
#include <string_view>

namespace sb {

enum class errc {
  ok,
  bad_request,
  unauthorized,
  forbidden,
  not_found,
  conflict,
  too_large,
  rate_limited,
  unavailable,
  internal,
};

inline std::string_view to_code(errc e) {
  switch (e) {
    case errc::ok: return "ok";
    case errc::bad_request: return "bad_request";
    case errc::unauthorized: return "unauthorized";
    case errc::forbidden: return "forbidden";
    case errc::not_found: return "not_found";
    case errc::conflict: return "conflict";
    case errc::too_large: return "too_large";
    case errc::rate_limited: return "rate_limited";
    case errc::unavailable: return "unavailable";
    case errc::internal: return "internal";
  }
  return "internal";
}

inline int http_status(errc e) {
  switch (e) {
    case errc::ok: return 200;
    case errc::bad_request: return 400;
    case errc::unauthorized: return 401;
    case errc::forbidden: return 403;
    case errc::not_found: return 404;
    case errc::conflict: return 409;
    case errc::too_large: return 413;
    case errc::rate_limited: return 429;
    case errc::unavailable: return 503;
    case errc::internal: return 500;
  }
  return 500;
}

struct failure {
  errc code = errc::ok;  // a default failure means success
  std::string message;
};

}  // namespace sb
