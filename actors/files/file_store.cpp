#include "actors/files/file_store.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <mutex>

#include "actors/files/sniff.hpp"
#include "events/blocking_pool.hpp"
#include "events/group_commit_writer.hpp"
#include "events/log.hpp"

namespace sb::files {
namespace {
using json = nlohmann::json;
namespace fs = std::filesystem;

constexpr std::string_view kStreamPrefix = "file/";

events::status os_error(const std::string& what, const std::string& path) {
  return events::status::error(what + " " + path + ": " + std::strerror(errno));
}

events::status fsync_dir(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return os_error("cannot open directory", path);
  int rc = ::fsync(fd);
  int saved = errno;
  ::close(fd);
  errno = saved;
  return rc == 0 ? events::status{} : os_error("cannot fsync directory", path);
}

// Creates `path` (one level) if it is missing and makes the new entry durable in its parent.
events::status ensure_dir(const std::string& path, const std::string& parent) {
  if (::mkdir(path.c_str(), 0750) == 0) return fsync_dir(parent);
  if (errno == EEXIST) return {};
  return os_error("cannot create directory", path);
}

events::status write_file(const std::string& path, const std::string& bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) return os_error("cannot create", path);
  std::size_t done = 0;
  while (done < bytes.size()) {
    auto n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      auto st = os_error("cannot write", path);
      ::close(fd);
      return st;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    auto st = os_error("cannot fsync", path);
    ::close(fd);
    return st;
  }
  if (::close(fd) != 0) return os_error("cannot close", path);
  return {};
}

json meta_json(const file_meta& m) {
  return {{"id", m.id},
          {"workspace_id", m.workspace_id},
          {"sha256", m.sha256},
          {"name", m.name},
          {"content_type", m.content_type},
          {"size", m.size},
          {"uploader", {{"kind", m.uploader.kind}, {"id", m.uploader.id}}},
          {"ts", m.ts}};
}

std::string to_hex(const unsigned char* p, std::size_t n) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(hex[p[i] >> 4]);
    out.push_back(hex[p[i] & 15]);
  }
  return out;
}

// The shape of random_id(prefix) in actors/tokens.hpp (prefix + 24 hex). Not called from there:
// sb_actors links sb_files, so sb_files must not need sb_actors.
std::string random_id(std::string_view prefix, std::size_t bytes = 12) {
  unsigned char raw[32];
  randombytes_buf(raw, bytes);
  return std::string(prefix) + to_hex(raw, bytes);
}

std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string sha256_hex(const std::string& bytes) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  return to_hex(digest, sizeof digest);
}

bool is_hex_sha256(const std::string& s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

}  // namespace

json file_meta::public_json() const {
  return {{"id", id},
          {"url", "/api/v1/files/" + id},
          {"name", name},
          {"content_type", content_type},
          {"size", size}};
}

file_store::file_store(events::event_log& log, events::group_commit_writer& writer,
                       events::blocking_pool& pool, options opts)
    : log_(log), writer_(writer), pool_(pool), opts_(std::move(opts)) {
  if (sodium_init() < 0) std::abort();  // only fails if the OS has no randomness source
}

std::string file_store::sanitize_name(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size();) {
    auto c = static_cast<unsigned char>(in[i]);
    std::size_t len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    auto ch = in.substr(i, len);
    if (len > 1 && (ch.size() < len || !valid_utf8(ch))) len = 1, ch = "_";  // broken UTF-8
    bool control = c < 0x20 || c == 0x7F ||
                   (c == 0xC2 && len == 2 && static_cast<unsigned char>(ch[1]) < 0xA0);  // C1
    if (control || c == '/' || c == '\\') ch = "_";
    if (out.size() + ch.size() > 255) break;  // cut at a character boundary
    out.append(ch);
    i += len;
  }
  auto first = out.find_first_not_of(' ');
  if (first == std::string::npos) return "file";
  out = out.substr(first, out.find_last_not_of(' ') - first + 1);
  if (out == "." || out == "..") return "file";
  return out;
}

std::string file_store::blob_path(const std::string& hex) const {
  return opts_.root + "/" + hex.substr(0, 2) + "/" + hex;
}

events::status file_store::store_blob(const std::string& hex, const std::string& bytes) {
  auto dir = opts_.root + "/" + hex.substr(0, 2);
  auto path = dir + "/" + hex;
  struct stat sb;
  // Blobs appear only by rename after an fsync, so one that is there is whole: dedupe.
  if (::stat(path.c_str(), &sb) == 0 && static_cast<std::uint64_t>(sb.st_size) == bytes.size())
    return {};
  if (auto st = ensure_dir(dir, opts_.root); !st) return st;
  auto tmp = opts_.root + "/tmp/" + hex + "." + random_id("", 8) + ".tmp";
  if (auto st = write_file(tmp, bytes); !st) {
    ::unlink(tmp.c_str());
    return st;
  }
  // Two uploads of the same content may race here; rename is atomic and both are identical.
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    auto st = os_error("cannot rename into", path);
    ::unlink(tmp.c_str());
    return st;
  }
  return fsync_dir(dir);
}

events::status file_store::load() {
  std::error_code ec;
  bool created = fs::create_directories(opts_.root, ec);
  if (ec) return events::status::error("cannot create " + opts_.root + ": " + ec.message());
  if (created) {
    auto parent = fs::absolute(opts_.root, ec).parent_path().string();
    if (auto st = fsync_dir(parent); !st) return st;
  }
  auto tmp = opts_.root + "/tmp";
  if (auto st = ensure_dir(tmp, opts_.root); !st) return st;
  for (auto& leftover : fs::directory_iterator(tmp, ec)) fs::remove(leftover.path(), ec);

  std::vector<std::string> streams;
  if (auto st = log_.stream_names(std::string(kStreamPrefix), streams); !st) return st;
  std::unique_lock lock{mutex_};
  for (auto& stream : streams) {
    std::uint64_t after = 0;
    for (;;) {
      std::vector<events::envelope> evs;
      if (auto st = log_.read_stream(stream, after, 1024, evs); !st) return st;
      if (evs.empty()) break;
      for (auto& e : evs) {
        if (e.version != 1)
          return events::status::error("unsupported version " + std::to_string(e.version) + " of " +
                                       e.type + " in " + stream);
        auto data = json::parse(e.data, nullptr, false);
        if (!data.is_object()) return events::status::error("corrupt event in " + stream);
        try {
          apply(e.type, data, e.seq);
        } catch (const json::exception& ex) {
          return events::status::error("malformed " + e.type + " in " + stream + ": " + ex.what());
        }
      }
      after = evs.back().seq;
    }
  }
  return {};
}

// Caller holds the lock exclusively.
void file_store::apply(const std::string& type, const json& d, std::uint64_t seq) {
  std::string id = d.at("id");
  if (type == "file_stored") {
    auto& e = files_[id];
    auto& u = d.at("uploader");
    e.meta = {id,
              d.at("workspace_id"),
              d.at("sha256"),
              d.at("name"),
              d.at("content_type"),
              d.at("size"),
              {u.at("kind"), u.at("id")},
              d.at("ts")};
    e.head = std::max(e.head, seq);
  } else if (auto it = files_.find(id); it != files_.end()) {
    if (type == "file_shared") it->second.visitors.insert(d.at("visitor_id").get<std::string>());
    it->second.head = std::max(it->second.head, seq);
  }
}

void file_store::put(const std::string& workspace_id, party uploader, std::string name,
                     std::string bytes, put_callback done) {
  if (bytes.size() > opts_.max_bytes)
    return done(
        {{errc::too_large, "files are at most " + std::to_string(opts_.max_bytes) + " bytes"},
         {},
         0});
  if (uploader.kind != "visitor" && uploader.kind != "agent" && uploader.kind != "admin")
    return done({{errc::bad_request, "uploader must be a visitor, an agent or an admin"}, {}, 0});
  pool_.submit([this, workspace_id, uploader = std::move(uploader), name = sanitize_name(name),
                bytes = std::move(bytes), done = std::move(done)]() mutable {
    auto kind = sniff(bytes);
    if (!kind.ok())
      return done({{errc::bad_request, "file type not allowed (" + kind.reason +
                                           "); allowed are images (PNG, JPEG, GIF, WebP), PDF, "
                                           "plain text, Word and Excel documents"},
                   {},
                   0});
    file_meta meta;
    meta.sha256 = sha256_hex(bytes);
    if (auto st = store_blob(meta.sha256, bytes); !st)
      return done({{errc::unavailable, "cannot store the file: " + st.message()}, {}, 0});
    meta.id = random_id("fi_");
    meta.workspace_id = workspace_id;
    meta.name = std::move(name);
    meta.content_type = std::move(kind.content_type);
    meta.size = bytes.size();
    meta.uploader = std::move(uploader);
    meta.ts = unix_ms();
    std::string().swap(bytes);  // the bytes are on disk: free them before waiting on the log
    finish_put(std::move(meta), std::move(done));
  });
}

void file_store::finish_put(file_meta meta, put_callback done) {
  events::envelope e;
  e.type = "file_stored";
  e.stream = std::string(kStreamPrefix) + meta.id;
  e.seq = 1;  // a fresh random id: a new stream
  e.data = meta_json(meta).dump();
  auto refused = writer_.append({std::move(e)}, [this, meta, done](const events::append_result& r) {
    if (!r.st.ok()) return done({{errc::unavailable, "storage failed: " + r.st.message()}, {}, 0});
    {
      std::unique_lock lock{mutex_};
      auto& entry = files_[meta.id];
      entry.meta = meta;
      entry.head = std::max<std::uint64_t>(entry.head, 1);
    }
    done({{}, meta, r.last_position});
  });
  if (!refused.ok()) done({{errc::unavailable, "storage failed: " + refused.message()}, {}, 0});
}

std::optional<file_meta> file_store::get(const std::string& id) const {
  std::shared_lock lock{mutex_};
  auto it = files_.find(id);
  if (it == files_.end()) return std::nullopt;
  return it->second.meta;
}

bool file_store::may_read(const file_meta& meta, const principal& who) const {
  if (who.id.empty() || who.workspace_id.empty() || who.workspace_id != meta.workspace_id)
    return false;
  if (who.is_staff()) return true;
  if (who.kind != "visitor") return false;
  if (meta.uploader.kind == "visitor" && meta.uploader.id == who.id) return true;
  std::shared_lock lock{mutex_};
  auto it = files_.find(meta.id);
  return it != files_.end() && it->second.visitors.count(who.id) != 0;
}

void file_store::share(const std::string& id, const std::string& visitor_id, share_callback done) {
  if (visitor_id.empty() || visitor_id.size() > 128 || visitor_id.find('\0') != std::string::npos)
    return done({errc::bad_request, "visitor_id must be a visitor's id"}, 0);
  std::unique_lock lock{mutex_};
  auto it = files_.find(id);
  if (it == files_.end()) {
    lock.unlock();
    return done({errc::not_found, "no such file"}, 0);
  }
  if (it->second.visitors.count(visitor_id)) {
    lock.unlock();
    return done({}, 0);
  }
  // Seq order must equal append order, so both happen under the lock (append never calls back
  // on this thread). Two concurrent shares to one visitor both write; folding is idempotent.
  events::envelope e;
  e.type = "file_shared";
  e.stream = std::string(kStreamPrefix) + id;
  e.seq = ++it->second.head;
  e.data = json{{"id", id}, {"visitor_id", visitor_id}}.dump();
  auto refused =
      writer_.append({std::move(e)}, [this, id, visitor_id, done](const events::append_result& r) {
        if (!r.st.ok()) return done({errc::unavailable, "storage failed: " + r.st.message()}, 0);
        {
          std::unique_lock lock{mutex_};
          if (auto f = files_.find(id); f != files_.end()) f->second.visitors.insert(visitor_id);
        }
        done({}, r.last_position);
      });
  if (!refused.ok()) {
    --it->second.head;
    lock.unlock();
    done({errc::unavailable, "storage failed: " + refused.message()}, 0);
  }
}

events::status file_store::read_bytes(const file_meta& meta, std::string& out) const {
  if (!is_hex_sha256(meta.sha256)) return events::status::error("corrupt file meta " + meta.id);
  auto path = blob_path(meta.sha256);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return os_error("cannot open", path);
  out.resize(meta.size);
  std::size_t done = 0;
  while (done < out.size()) {
    auto n = ::read(fd, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      auto st = n < 0 ? os_error("cannot read", path)
                      : events::status::error("file " + path + " is shorter than its meta says");
      ::close(fd);
      out.clear();
      return st;
    }
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return {};
}

}  // namespace sb::files
