#include "http/static_files.hpp"

#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <string_view>
#include <vector>

namespace sb::http {
namespace {

// A path segment we are willing to serve: [A-Za-z0-9._-]+, not starting with a dot.
bool safe_segment(std::string_view s) {
  if (s.empty() || s.size() > 200 || s.front() == '.') return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

std::string_view extension(std::string_view name) {
  auto dot = name.rfind('.');
  return dot == std::string_view::npos ? std::string_view{} : name.substr(dot + 1);
}

const char* content_type(std::string_view ext) {
  if (ext == "js" || ext == "mjs") return "text/javascript; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "html") return "text/html; charset=utf-8";
  if (ext == "json" || ext == "map") return "application/json";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "png") return "image/png";
  if (ext == "ico") return "image/x-icon";
  if (ext == "woff2") return "font/woff2";
  if (ext == "mp3") return "audio/mpeg";
  if (ext == "txt") return "text/plain; charset=utf-8";
  return nullptr;  // not a type we serve
}

bool read_file(const std::string& path, std::string& out, struct stat& st) {
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out.assign(static_cast<std::size_t>(st.st_size), '\0');
  in.read(out.data(), static_cast<std::streamsize>(out.size()));
  return static_cast<std::size_t>(in.gcount()) == out.size();
}

api_response not_found() {
  return {404, R"({"error":{"code":"not_found","message":"no such file"}})", "application/json", {}};
}

bool accepts_gzip(const std::string& accept_encoding) {
  return accept_encoding.find("gzip") != std::string::npos;
}

// `rel` is a checked relative path under web_dir; `cache` the Cache-Control value.
api_response file_response(const std::string& web_dir, const std::string& rel, const char* cache,
                           const api_request& req, bool cors) {
  auto type = content_type(extension(rel));
  if (!type) return not_found();
  std::string body;
  struct stat st {};
  auto full = web_dir + "/" + rel;
  bool gz = accepts_gzip(req.accept_encoding) && read_file(full + ".gz", body, st);
  if (!gz && !read_file(full, body, st)) return not_found();
  std::ostringstream tag;
  tag << "W/\"" << std::hex << st.st_size << '-' << st.st_mtim.tv_sec << '-' << st.st_mtim.tv_nsec
      << (gz ? "-gz" : "") << '"';
  api_response r{200, {}, type, {}};
  r.headers.emplace_back("ETag", tag.str());
  r.headers.emplace_back("Cache-Control", cache);
  r.headers.emplace_back("Vary", "Accept-Encoding");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  if (cors) r.headers.emplace_back("Access-Control-Allow-Origin", "*");
  if (extension(rel) == "html") {
    // The console: same-origin scripts, API and socket only; never framed by another site.
    r.headers.emplace_back("Content-Security-Policy",
                           "default-src 'self'; img-src 'self' data: blob:; style-src 'self' "
                           "'unsafe-inline'; media-src 'self' data:; object-src 'none'; "
                           "base-uri 'none'; frame-ancestors 'self'");
    r.headers.emplace_back("X-Frame-Options", "SAMEORIGIN");
    r.headers.emplace_back("Referrer-Policy", "same-origin");
  }
  if (!req.if_none_match.empty() && req.if_none_match == tag.str()) {
    r.status = 304;
    return r;
  }
  if (gz) r.headers.emplace_back("Content-Encoding", "gzip");
  r.body = std::move(body);
  return r;
}

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

}  // namespace

bool is_static_path(std::string_view path) {
  return path == "/widget.js" || path.rfind("/widget/", 0) == 0 || path == "/console" ||
         path.rfind("/console/", 0) == 0;
}

std::optional<api_response> serve_static(const std::string& web_dir, const api_request& req) {
  std::string_view path = req.path;
  if (!is_static_path(path)) return std::nullopt;
  bool widget = path == "/widget.js" || path.rfind("/widget/", 0) == 0;
  if (req.method != "GET") {
    return api_response{405, R"({"error":{"code":"bad_request","message":"GET only"}})",
                        "application/json", {{"Allow", "GET"}}};
  }
  if (web_dir.empty()) return not_found();
  // The loader keeps its name across releases and names the hashed chunk of its release, so a
  // browser revalidates it on every page load (a 304 by ETag): an old loader never asks for a
  // chunk a deploy removed. Everything it and the console's index.html load has a content
  // hash in its name and never changes.
  const char* immutable = "public, max-age=31536000, immutable";
  if (path == "/widget.js") return file_response(web_dir, "widget.js", "public, no-cache", req, true);
  if (widget) {
    auto name = path.substr(8);
    if (!safe_segment(name)) return not_found();
    return file_response(web_dir, "widget/" + std::string(name), immutable, req, true);
  }
  if (path == "/console") return api_response{301, {}, "text/plain", {{"Location", "/console/"}}};
  auto rest = path.substr(9);  // after "/console/"
  auto parts = segments(rest);
  std::string rel = "console";
  for (auto p : parts) {
    if (p.empty()) continue;
    if (!safe_segment(p)) return not_found();
    rel += "/";
    rel += p;
  }
  auto last = parts.empty() ? std::string_view{} : parts.back();
  if (last.empty() || extension(last).empty())  // an app route: the single page decides
    return file_response(web_dir, "console/index.html", "no-cache", req, false);
  return file_response(web_dir, rel, immutable, req, false);
}

}  // namespace sb::http
