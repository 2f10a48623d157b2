#include "integrations/settings_streams.hpp"

#include "events/group_commit_writer.hpp"
#include "events/log.hpp"

namespace sb::integrations {

settings_streams::settings_streams(events::event_log& log, events::group_commit_writer& writer, std::string prefix)
    : log_(log), writer_(writer), prefix_(std::move(prefix)) {}

events::status settings_streams::load(
    const std::function<events::status(const std::string&, const std::string&, const nlohmann::json&)>& fn) {
  std::vector<std::string> streams;
  if (auto st = log_.stream_names(prefix_, streams); !st) return st;
  std::lock_guard lock{mutex_};
  for (auto& stream : streams) {
    std::vector<events::envelope> evs;
    if (auto st = log_.read_whole_stream(stream, evs); !st) return st;
    auto key = stream.substr(prefix_.size());
    for (auto& ev : evs) {
      auto d = nlohmann::json::parse(ev.data, nullptr, false);
      if (!d.is_object()) return events::status::error("corrupt event in " + stream);
      if (auto st = fn(key, ev.type, d); !st) return st;
      heads_[key].seq = ev.seq;
    }
  }
  return {};
}

void settings_streams::append(const std::string& workspace_id, const std::string& type, const nlohmann::json& data,
                              std::function<void(const failure&, std::uint64_t)> done) {
  events::envelope env;
  {
    std::lock_guard lock{mutex_};
    auto& h = heads_[workspace_id];
    if (h.busy) return done({errc::conflict, "another change to these settings is being saved"}, 0);
    h.busy = true;
    env.seq = ++h.seq;
  }
  env.type = type;
  env.stream = prefix_ + workspace_id;
  env.data = data.dump();
  auto finish = [this, workspace_id](bool ok) {
    std::lock_guard lock{mutex_};
    auto& h = heads_[workspace_id];
    h.busy = false;
    if (!ok) --h.seq;
  };
  auto refused = writer_.append({std::move(env)}, [finish, done](const events::append_result& r) {
    finish(r.st.ok());
    if (!r.st.ok()) return done({errc::unavailable, "storage failed: " + r.st.message()}, 0);
    done({}, r.last_position);
  });
  if (!refused.ok()) {
    finish(false);
    done({errc::unavailable, "storage failed: " + refused.message()}, 0);
  }
}

}  // namespace sb::integrations
