#include "events/log.hpp"

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include "events/keys.hpp"

namespace sb::events {
namespace {
status to_status(const rocksdb::Status& s) {
  return s.ok() ? status{} : status::error(s.ToString());
}

// For keys shaped "<name>\0<u64 big-endian>" (stream index, read-model message keys): the name.
class seq_key_prefix : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "switchboard.seq_key_prefix"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    return rocksdb::Slice(key.data(), key.size() - 9);
  }
  bool InDomain(const rocksdb::Slice& key) const override {
    return key.size() >= 9 && key[key.size() - 9] == '\0';
  }
};
}  // namespace

std::unique_ptr<event_log> event_log::open(const options& opts, status& st) {
  rocksdb::DBOptions db_opts;
  db_opts.create_if_missing = true;
  db_opts.create_missing_column_families = true;
  db_opts.max_background_jobs = 2;
  db_opts.keep_log_file_num = 5;
  // The WAL is what every acknowledged event waits on; on small disks its bytes are the limit.
  db_opts.wal_compression = rocksdb::kZSTD;
  if (opts.env) db_opts.env = opts.env;

  rocksdb::ColumnFamilyOptions cf_opts;
  cf_opts.compression = rocksdb::kLZ4Compression;
  // Log keys only grow and each stream's keys only grow: a memtable insert hint per prefix
  // turns most skiplist inserts into appends.
  auto log_opts = cf_opts;
  log_opts.memtable_insert_with_hint_prefix_extractor.reset(rocksdb::NewCappedPrefixTransform(0));
  auto streams_opts = cf_opts;
  streams_opts.memtable_insert_with_hint_prefix_extractor = std::make_shared<seq_key_prefix>();
  auto state_opts = streams_opts;
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
      {rocksdb::kDefaultColumnFamilyName, cf_opts},
      {"log", log_opts},
      {"streams", streams_opts},
      {"meta", cf_opts},
      {"state", state_opts},
  };
  std::unique_ptr<event_log> log{new event_log};
  auto s = rocksdb::DB::Open(db_opts, opts.path, cfs, &log->handles_, &log->db_);
  if (!s.ok()) {
    st = to_status(s);
    return nullptr;
  }
  log->log_ = log->handles_[1];
  log->streams_ = log->handles_[2];
  log->meta_ = log->handles_[3];
  log->state_ = log->handles_[4];
  // The read models' own database. Their writes skip the WAL: a crash brings back the state of
  // the last flush with its checkpoint, and the fold repeats from there.
  rocksdb::Options model_opts{db_opts, state_opts};
  s = rocksdb::DB::Open(model_opts, opts.path + "/read-models", &log->models_);
  if (!s.ok()) {
    st = to_status(s);
    return nullptr;
  }
  st = {};
  return log;
}

rocksdb::ColumnFamilyHandle* event_log::models_cf() const { return models_->DefaultColumnFamily(); }

event_log::~event_log() {
  if (models_) {
    models_->Close();  // flushes the memtable (written without the WAL)
    delete models_;
  }
  if (!db_) return;
  for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
  db_->Close();
  delete db_;
}

std::uint64_t event_log::last_position() const {
  std::unique_ptr<rocksdb::Iterator> it{db_->NewIterator(rocksdb::ReadOptions{}, log_)};
  it->SeekToLast();
  if (!it->Valid()) return 0;
  return keys::get_u64(it->key().ToStringView());
}

std::uint64_t event_log::stream_head(const std::string& stream) const {
  auto upper = keys::stream_upper_bound(stream);
  rocksdb::Slice ub{upper};
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &ub;
  std::unique_ptr<rocksdb::Iterator> it{db_->NewIterator(ro, streams_)};
  it->SeekForPrev(keys::stream_key(stream, UINT64_MAX));
  if (!it->Valid()) return 0;
  auto key = it->key().ToStringView();
  if (key.size() != stream.size() + 9 || key.substr(0, stream.size()) != stream) return 0;
  return keys::get_u64(key.substr(stream.size() + 1));
}

status event_log::read_whole_stream(const std::string& stream, std::vector<envelope>& out) const {
  std::uint64_t after = 0;
  for (;;) {
    auto before = out.size();
    if (auto st = read_stream(stream, after, 1024, out); !st) return st;
    if (out.size() == before) return {};
    after = out.back().seq;
  }
}

status event_log::read_stream(const std::string& stream, std::uint64_t after_seq,
                              std::size_t limit, std::vector<envelope>& out) const {
  auto upper = keys::stream_upper_bound(stream);
  rocksdb::Slice ub{upper};
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &ub;
  std::unique_ptr<rocksdb::Iterator> it{db_->NewIterator(ro, streams_)};
  std::vector<std::string> positions;
  for (it->Seek(keys::stream_key(stream, after_seq + 1)); it->Valid() && positions.size() < limit;
       it->Next()) {
    if (it->key().size() != stream.size() + 9) continue;  // a longer stream name sharing a prefix
    positions.emplace_back(it->value().ToString());
  }
  if (!it->status().ok()) return to_status(it->status());
  if (positions.empty()) return {};
  std::vector<rocksdb::Slice> slices(positions.begin(), positions.end());
  std::vector<rocksdb::PinnableSlice> values(slices.size());
  std::vector<rocksdb::Status> statuses(slices.size());
  db_->MultiGet(rocksdb::ReadOptions{}, log_, slices.size(), slices.data(), values.data(),
                statuses.data());
  for (std::size_t i = 0; i < slices.size(); ++i) {
    if (!statuses[i].ok()) return to_status(statuses[i]);
    auto e = decode(values[i].ToStringView());
    if (!e) return status::error("corrupt envelope in stream " + stream);
    out.push_back(std::move(*e));
  }
  return {};
}

status event_log::stream_names(const std::string& prefix, std::vector<std::string>& out) const {
  // Upper bound: the prefix with its last byte below 0xff incremented (none for "" or all 0xff).
  std::string upper = prefix;
  while (!upper.empty() && static_cast<unsigned char>(upper.back()) == 0xff) upper.pop_back();
  if (!upper.empty()) upper.back() = static_cast<char>(static_cast<unsigned char>(upper.back()) + 1);
  rocksdb::Slice ub{upper};
  rocksdb::ReadOptions ro;
  if (!upper.empty()) ro.iterate_upper_bound = &ub;
  std::unique_ptr<rocksdb::Iterator> it{db_->NewIterator(ro, streams_)};
  for (it->Seek(prefix); it->Valid();) {
    auto key = it->key().ToStringView();
    if (key.size() < 9 || key.substr(0, prefix.size()) != prefix) break;
    std::string name{key.substr(0, key.size() - 9)};
    it->Seek(keys::stream_upper_bound(name));  // past every seq of this stream
    out.push_back(std::move(name));
  }
  return to_status(it->status());
}

status event_log::read_from(std::uint64_t after_position, std::size_t limit,
                            std::vector<envelope>& out) const {
  std::unique_ptr<rocksdb::Iterator> it{db_->NewIterator(rocksdb::ReadOptions{}, log_)};
  std::size_t n = 0;
  for (it->Seek(keys::position_key(after_position + 1)); it->Valid() && n < limit; it->Next(), ++n) {
    auto e = decode(it->value().ToStringView());
    if (!e) return status::error("corrupt envelope at position " +
                                 std::to_string(keys::get_u64(it->key().ToStringView())));
    out.push_back(std::move(*e));
  }
  return to_status(it->status());
}

std::optional<std::string> event_log::get_meta(const std::string& key, status& st) const {
  std::string value;
  auto s = db_->Get(rocksdb::ReadOptions{}, meta_, key, &value);
  st = s.IsNotFound() ? status{} : to_status(s);
  if (!s.ok()) return std::nullopt;
  return value;
}

status event_log::put_meta(const std::string& key, const std::string& value) {
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return to_status(db_->Put(wo, meta_, key, value));
}

status event_log::write_batch(rocksdb::WriteBatch& batch, bool sync) {
  rocksdb::WriteOptions wo;
  wo.sync = sync;
  return to_status(db_->Write(wo, &batch));
}

}  // namespace sb::events
