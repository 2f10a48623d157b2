#include "http/stats_watch.hpp"

#include <chrono>
#include <nlohmann/json.hpp>

#include "actors/tokens.hpp"
#include "actors/visitors/visitor_directory.hpp"
#include "events/thread_name.hpp"
#include "projections/stats_projection.hpp"
#include "projections/time_zone.hpp"

namespace sb::http {

stats_watchers::stats_watchers(app& a) : app_(a) {
  thread_ = std::thread([this] {
    events::name_this_thread("sb-stats-watch");
    run();
  });
}

stats_watchers::~stats_watchers() {
  {
    std::lock_guard lock{mutex_};
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::string stats_watchers::overview_frame(const std::string& ws, const stats_window& w) const {
  auto now = unix_ms();
  auto from = w.from_ms ? w.from_ms : projections::local_day_ms(w.tz, now).first;
  auto to = w.to_ms ? w.to_ms : now + 1;
  auto online = app_.visitors ? app_.visitors->online_count(ws) : 0;
  auto overview = app_.stats_model->overview(ws, from, to, w.tz, online, now);
  return nlohmann::json{{"type", "stats"}, {"overview", overview}, {"from", from}, {"to", w.to_ms ? nlohmann::json(to) : nlohmann::json(nullptr)}}
      .dump();
}

void stats_watchers::watch(const std::string& ws, stats_window w, std::weak_ptr<frame_sink> sink,
                           const frame_sink* key) {
  auto first = overview_frame(ws, w);
  if (auto s = sink.lock()) s->push(std::make_shared<const std::string>(first));
  std::lock_guard lock{mutex_};
  std::erase_if(watchers_, [&](const watcher& x) { return x.key == key; });
  watchers_.push_back({ws, std::move(w), std::move(sink), key, std::move(first)});
}

void stats_watchers::unwatch(const frame_sink* key) {
  std::lock_guard lock{mutex_};
  std::erase_if(watchers_, [&](const watcher& x) { return x.key == key; });
}

void stats_watchers::run() {
  std::unique_lock lock{mutex_};
  while (!stopping_) {
    wake_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; });
    if (stopping_) break;
    std::erase_if(watchers_, [](const watcher& x) { return x.sink.expired(); });
    auto list = watchers_;  // read outside the lock
    lock.unlock();
    std::vector<std::pair<const frame_sink*, std::string>> sent;
    for (auto& x : list) {
      auto frame = overview_frame(x.workspace_id, x.window);
      if (frame == x.last) continue;
      if (auto s = x.sink.lock()) s->push(std::make_shared<const std::string>(frame));
      sent.emplace_back(x.key, std::move(frame));
    }
    lock.lock();
    for (auto& [key, frame] : sent)
      for (auto& x : watchers_)
        if (x.key == key) x.last = frame;
  }
}

}  // namespace sb::http
