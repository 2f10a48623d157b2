#pragma once
// stats_watchers: the agent sockets that sent `watch_stats`. Once a second a thread reads each
// watched overview from the stats read model (memory only, O(buckets)) and pushes a `stats`
// frame to the sockets whose overview changed: at most one frame a second per socket, none
// while nothing changes.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "actors/frame_sink.hpp"
#include "http/app.hpp"

namespace sb::http {

struct stats_window {
  std::string tz;            // IANA name, "" = UTC
  std::int64_t from_ms = 0;  // 0: local midnight today in tz (moves with the day)
  std::int64_t to_ms = 0;    // 0: now
};

class stats_watchers {
 public:
  explicit stats_watchers(app& a);
  ~stats_watchers();  // stops the thread
  void watch(const std::string& workspace_id, stats_window w, std::weak_ptr<frame_sink> sink,
             const frame_sink* key);
  void unwatch(const frame_sink* key);
  // The overview a watcher sees now (also used for the first frame, at once).
  std::string overview_frame(const std::string& workspace_id, const stats_window& w) const;

 private:
  void run();
  struct watcher {
    std::string workspace_id;
    stats_window window;
    std::weak_ptr<frame_sink> sink;
    const frame_sink* key;
    std::string last;  // the last frame sent
  };
  app& app_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::vector<watcher> watchers_;
  std::thread thread_;
};

}  // namespace sb::http
