// The built browser apps (web/dist, from `npm run build` in web/) served by the binary itself:
// `/widget.js` (the widget's loader, embedded by a script tag on any site), `/widget/<file>`
// (the rest of the widget, loaded on first open; CORS `*` so a cross-origin import() works) and
// `/console/...` (the staff console; paths without a file extension get index.html).
//
// Files are read from disk per request (the page cache keeps them), so a rebuild shows without a
// restart. A precompressed `<file>.gz` sibling is sent when the client accepts gzip. Only names
// of letters, digits, '.', '-' and '_' are served (no dot files, no "..").
// Thread-safe: pure functions of the request and the directory.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "http/api.hpp"

namespace sb::http {

// True for the paths served from web_dir (/widget.js, /widget/..., /console...).
bool is_static_path(std::string_view path);
// The answer for a static path, or nullopt when `req.path` is not one (the API routes it).
// Reads the file: call it on a blocking pool, not on an I/O thread.
std::optional<api_response> serve_static(const std::string& web_dir, const api_request& req);

}  // namespace sb::http
