// /api/v1/files: uploads (POST /files, the raw bytes as the body) and downloads (GET
// /files/{id}), for staff of the workspace and for visitors (X-Visitor-Token, or
// ?visitor_token= on downloads so that an <img src> works). The store sniffs, hashes and writes
// on its own blocking pool; downloads read the bytes on a.readers; no I/O thread blocks.
#include <cctype>
#include <cstdio>
#include <set>

#include <nlohmann/json.hpp>

#include "actors/files/file_store.hpp"
#include "actors/files/sniff.hpp"
#include "actors/tokens.hpp"
#include "events/blocking_pool.hpp"
#include "http/api_support.hpp"

namespace sb::http {
using json = nlohmann::json;
namespace {

rate_limiter& uploads() {
  static rate_limiter r;
  return r;
}

// Staff by bearer token first, else a visitor by its signed token; nullopt: neither is valid.
std::optional<files::principal> file_caller(const app& a, const std::string& authorization,
                                            const std::string& visitor_token) {
  if (authorization.rfind("Bearer ", 0) == 0)
    if (auto s = authenticate_staff(a, authorization.substr(7)))
      return files::principal{s->who.who.kind, s->user_id, s->who.workspace_id};
  if (visitor_token.empty() || visitor_token.size() > 4096) return std::nullopt;
  auto claims = a.tokens.verify(visitor_token, unix_ms());
  if (!claims || claims->value("typ", "") != "visitor") return std::nullopt;
  auto id = claims->value("sub", ""), ws = claims->value("wsp", "");
  if (id.empty() || ws.empty()) return std::nullopt;
  return files::principal{"visitor", id, ws};
}

// X-Filename is percent-decoded UTF-8 (what encodeURIComponent gives; header values cannot
// carry non-ASCII from a browser). Raw bytes pass through; the store sanitises the result.
std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The stored (sniffed) type, which is on the allowlist; anything else would be a corrupt
// meta and goes out as opaque bytes. Never text/html or a script type.
std::string served_type(const std::string& sniffed) {
  if (sniffed == "text/plain") return "text/plain; charset=utf-8";
  static const std::set<std::string> safe{"image/png",        "image/jpeg",
                                          "image/gif",        "image/webp",
                                          "application/pdf",  std::string(files::kDocxType),
                                          std::string(files::kXlsxType)};
  return safe.count(sniffed) ? sniffed : "application/octet-stream";
}

// Always `attachment`, images and PDF included: an <img src> ignores the disposition, and a
// file opened from a link is downloaded rather than rendered under our origin. The name is
// sanitised (no control characters, slashes); filename= gets an ASCII stand-in (one '_' per
// non-ASCII character, quote or backslash), filename* the exact UTF-8 name (RFC 5987/6266).
std::string content_disposition(const std::string& name) {
  std::string ascii, encoded;
  static const char* hex = "0123456789ABCDEF";
  for (unsigned char c : name) {
    if (c >= 0x80) {
      if (c >= 0xC0) ascii.push_back('_');  // a lead byte; continuation bytes add nothing
    } else if (c < 0x20 || c == 0x7F || c == '"' || c == '\\') {
      ascii.push_back('_');
    } else {
      ascii.push_back(static_cast<char>(c));
    }
    if (std::isalnum(c) || std::string_view("!#$&+-.^_`|~").find(static_cast<char>(c)) !=
                               std::string_view::npos) {
      encoded.push_back(static_cast<char>(c));
    } else {
      encoded.push_back('%');
      encoded.push_back(hex[c >> 4]);
      encoded.push_back(hex[c & 15]);
    }
  }
  return "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''" + encoded;
}

void upload(app& a, api_request& req, const respond_fn& respond) {
  auto who = file_caller(a, req.authorization, req.visitor_token);
  if (!who) return respond(error(errc::unauthorized, "uploads need a staff token or X-Visitor-Token"));
  // Per uploader, at the pace of the same caller's other writes (a separate bucket).
  bool allowed = who->is_staff()
                     ? uploads().allow("s:" + who->id, a.lim.staff_writes_per_second,
                                       std::chrono::seconds(1), a.lim.staff_writes_per_second * 5)
                     : uploads().allow("v:" + who->id, a.lim.visitor_messages_per_second,
                                       std::chrono::seconds(1), a.lim.visitor_message_burst);
  if (!allowed) return respond(error(errc::rate_limited, "too many uploads; slow down"));
  if (req.body.size() > a.files.max_bytes())
    return respond(error(errc::too_large,
                         "files are at most " + std::to_string(a.files.max_bytes()) + " bytes"));
  if (req.body.empty()) return respond(error(errc::bad_request, "the body is the file's bytes; it is empty"));
  // A form's framing would pass for plain text. (Not x-www-form-urlencoded: curl --data-binary
  // sends the raw file under that type by default.)
  if (lower(req.content_type).rfind("multipart/", 0) == 0)
    return respond(error(errc::bad_request, "send the file's bytes as the body, not a multipart form"));
  // The declared Content-Type is not trusted: the store decides the type from the bytes.
  a.files.put(who->workspace_id, {who->kind, who->id}, percent_decode(req.filename),
              std::move(req.body), [respond](const files::put_result& r) {
                if (r.error.code != errc::ok) return respond(error(r.error));
                auto body = r.meta.public_json();
                body["position"] = r.position;
                respond(reply(201, body));
              });
}

void download(app& a, const api_request& req, const std::string& id, const respond_fn& respond) {
  auto token = req.visitor_token;
  if (token.empty()) token = parse_query(req.query)["visitor_token"];
  auto who = file_caller(a, req.authorization, token);
  if (!who) return respond(error(errc::unauthorized, "missing or invalid token"));
  // Unknown, another workspace's, or not this caller's: the same 404.
  auto meta = id.size() <= 64 ? a.files.get(id) : std::nullopt;
  if (!meta || !a.files.may_read(*meta, *who)) return respond(error(errc::not_found, "no such file"));
  a.readers.submit([&a, meta = std::move(*meta), respond] {
    api_response r{200, {}, served_type(meta.content_type), {}};
    if (auto st = a.files.read_bytes(meta, r.body); !st) {
      std::fprintf(stderr, "cannot read file %s: %s\n", meta.id.c_str(), st.message().c_str());
      return respond(error(errc::internal, "cannot read the file"));
    }
    r.headers = {{"X-Content-Type-Options", "nosniff"},
                 {"Content-Disposition", content_disposition(meta.name)},
                 {"Cache-Control", "private, max-age=3600"},
                 {"Content-Security-Policy", "default-src 'none'; sandbox"}};
    respond(std::move(r));
  });
}

}  // namespace

bool may_upload(const app& a, const std::string& authorization, const std::string& visitor_token) {
  return file_caller(a, authorization, visitor_token).has_value();
}

void handle_files(app& a, api_request& req, const std::vector<std::string>& parts,
                  respond_fn respond) {
  if (parts.size() == 3 && req.method == "POST") return upload(a, req, respond);
  if (parts.size() == 4 && req.method == "GET") return download(a, req, parts[3], respond);
  respond(error(errc::not_found, "no such endpoint"));
}

}  // namespace sb::http
