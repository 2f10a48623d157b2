#pragma once
// file_store: uploaded files. The bytes live under <root>/<ab>/<sha256 hex> (root is
// <data-dir>/files), named by their content hash, so identical content is stored once; each is
// written to <root>/tmp/, fsynced, renamed into place and its directory fsynced. The metadata of
// each upload is the event "file_stored" v1 in the stream file/<id>; "file_shared" v1 events in
// the same stream grant visitors read access. Both are appended through the group-commit writer
// and answered only once durable; the in-memory index (id -> meta, shares) is folded from the
// file/ streams at start-up (load()) and kept current by our own writes.
//
// Event data (docs/storage.md):
//   file_stored  {id, workspace_id, sha256, name, content_type, size, uploader: {kind, id}, ts}
//   file_shared  {id, visitor_id}
//
// Threads: put() and share() may be called from any thread and never block on disk: put()
// sniffs, hashes and writes on the blocking_pool it was given. Callbacks run on a pool thread or
// on the writer thread and must not block. get() and may_read() are lock-shared reads of memory.
// read_bytes() blocks on disk: call it on a blocking_pool. load() is for start-up only.
// The store must outlive every pending put() and share() (stop the pool and the writer first).
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "actors/errors.hpp"
#include "events/status.hpp"

namespace sb::events {
class event_log;
class group_commit_writer;
class blocking_pool;
}  // namespace sb::events

namespace sb::files {

// Who uploaded a file: a visitor, or staff (agent | admin).
struct party {
  std::string kind;
  std::string id;
};

// Who asks to read a file. For visitors, workspace_id is the workspace of their widget (the
// "wsp" claim of the visitor token).
struct principal {
  std::string kind;  // visitor | agent | admin
  std::string id;
  std::string workspace_id;
  bool is_staff() const { return kind == "agent" || kind == "admin"; }
};

struct file_meta {
  std::string id;  // fi_ + 24 hex
  std::string workspace_id;
  std::string sha256;        // lower-case hex of the content
  std::string name;          // sanitised
  std::string content_type;  // sniffed from the bytes
  std::uint64_t size = 0;
  party uploader;
  std::int64_t ts = 0;
  // {id, url: "/api/v1/files/<id>", name, content_type, size}: what clients see (attachments).
  nlohmann::json public_json() const;
};

// The answer to put(): the new file's meta and the log position of its event.
struct put_result {
  failure error{errc::ok, {}};
  file_meta meta;
  std::uint64_t position = 0;
};
using put_callback = std::function<void(const put_result&)>;
// position: of the file_shared event (0 when the visitor could already read the file).
using share_callback = std::function<void(const failure&, std::uint64_t position)>;

class file_store {
 public:
  struct options {
    std::string root;                       // <data-dir>/files
    std::uint64_t max_bytes = 10ull << 20;  // larger uploads: errc::too_large
  };

  file_store(events::event_log& log, events::group_commit_writer& writer,
             events::blocking_pool& pool, options opts);
  file_store(const file_store&) = delete;
  file_store& operator=(const file_store&) = delete;

  // Start-up only (blocks on disk): creates the directories, removes temp files a crash left,
  // folds every file/ stream into memory.
  events::status load();

  // Stores `bytes` as a new upload of `workspace_id`. Refused: larger than max_bytes
  // (too_large), a type not on the allowlist (bad_request, saying why). `name` is sanitised
  // (see sanitize_name). `done` gets the meta once its event is durable.
  void put(const std::string& workspace_id, party uploader, std::string name, std::string bytes,
           put_callback done);

  std::optional<file_meta> get(const std::string& id) const;
  // Staff of the file's workspace, the visitor who uploaded it, or a visitor it was shared
  // with. Callers answer everyone else not_found, so a file's existence is never revealed.
  bool may_read(const file_meta& meta, const principal& who) const;

  // Lets `visitor_id` read file `id` (the server calls it when a message carrying the file goes
  // into that visitor's conversation). Sharing again is a no-op answered at once (position 0).
  void share(const std::string& id, const std::string& visitor_id, share_callback done);

  // Blocking: reads the stored bytes of `meta` into `out`.
  events::status read_bytes(const file_meta& meta, std::string& out) const;

  std::uint64_t max_bytes() const { return opts_.max_bytes; }

  // No path separators or control characters, at most 255 bytes of valid UTF-8 (cut at a
  // character boundary), not "." or ".."; empty after that -> "file".
  static std::string sanitize_name(std::string_view name);

 private:
  struct entry {
    file_meta meta;
    std::uint64_t head = 0;          // stream seq of file/<id>
    std::set<std::string> visitors;  // shared with
  };
  std::string blob_path(const std::string& sha256_hex) const;
  // Blocking: writes the blob unless an intact copy is already there.
  events::status store_blob(const std::string& sha256_hex, const std::string& bytes);
  void apply(const std::string& type, const nlohmann::json& data, std::uint64_t seq);
  void finish_put(file_meta meta, put_callback done);

  events::event_log& log_;
  events::group_commit_writer& writer_;
  events::blocking_pool& pool_;
  options opts_;
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, entry> files_;  // id -> entry
};

}  // namespace sb::files
