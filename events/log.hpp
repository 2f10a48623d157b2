#pragma once
// event_log: the RocksDB database that holds the global event log, the per-stream index,
// metadata and the integrations' state, and beside it the read models' database. See
// docs/storage.md for the layout.
//
// Thread safety: every const method and the state accessors may be called from any thread.
// Appending is done only through group_commit_writer (one writer thread), which calls
// write_batch(). Reads never block the writer.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "events/envelope.hpp"
#include "events/status.hpp"

namespace rocksdb {
class DB;
class Env;
class ColumnFamilyHandle;
class WriteBatch;
}  // namespace rocksdb

namespace sb::events {

class event_log {
 public:
  struct options {
    std::string path;
    rocksdb::Env* env = nullptr;  // tests inject failing file systems; nullptr = default
  };

  static std::unique_ptr<event_log> open(const options& opts, status& st);
  ~event_log();
  event_log(const event_log&) = delete;
  event_log& operator=(const event_log&) = delete;

  // Position of the last durable event (0 when the log is empty).
  std::uint64_t last_position() const;

  // Events of `stream` with seq > after_seq, ascending, at most `limit`.
  status read_stream(const std::string& stream, std::uint64_t after_seq, std::size_t limit,
                     std::vector<envelope>& out) const;
  // Every event of `stream`, ascending (start-up loads of small aggregates).
  status read_whole_stream(const std::string& stream, std::vector<envelope>& out) const;
  // Highest seq of `stream` (0 for a new stream).
  std::uint64_t stream_head(const std::string& stream) const;
  // Names of the streams that start with `prefix` ("" = all), ascending, each once. One seek
  // per stream, so the cost follows the number of streams, not of events.
  status stream_names(const std::string& prefix, std::vector<std::string>& out) const;
  // Events of the global log with position > after_position, ascending, at most `limit`.
  status read_from(std::uint64_t after_position, std::size_t limit,
                   std::vector<envelope>& out) const;

  // Small metadata values (e.g. the token signing key); put_meta is synchronous.
  // nullopt with `st` ok: no such key; nullopt with an error in `st`: the read failed (never
  // to be mistaken for "missing", or a start-up would mint a second token key).
  std::optional<std::string> get_meta(const std::string& key, status& st) const;
  status put_meta(const std::string& key, const std::string& value);

  // State of the integrations (cursors, delivery logs, message maps), in the log's database.
  rocksdb::DB* db() const { return db_; }
  rocksdb::ColumnFamilyHandle* state_cf() const { return state_; }
  // The projections' read models and checkpoints: a second RocksDB database under
  // "<path>/read-models", so that their writes (a second's worth of summaries at once, without
  // the WAL) never wait in, or hold up, the write queue of the log that acks wait on.
  rocksdb::DB* models_db() const { return models_; }
  rocksdb::ColumnFamilyHandle* models_cf() const;

  // Writer only: appends `batch` (already holding log+index puts) durably.
  status write_batch(rocksdb::WriteBatch& batch, bool sync);
  rocksdb::ColumnFamilyHandle* log_cf() const { return log_; }
  rocksdb::ColumnFamilyHandle* streams_cf() const { return streams_; }

 private:
  event_log() = default;
  rocksdb::DB* db_ = nullptr;
  rocksdb::ColumnFamilyHandle* log_ = nullptr;
  rocksdb::ColumnFamilyHandle* streams_ = nullptr;
  rocksdb::ColumnFamilyHandle* meta_ = nullptr;
  rocksdb::ColumnFamilyHandle* state_ = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  rocksdb::DB* models_ = nullptr;
};

}  // namespace sb::events
