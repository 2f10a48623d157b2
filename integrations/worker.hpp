#pragma once
// worker + mailbox + retry_delay: the thread shape the outboxes and the Telegram bridge share. The thread
// sleeps on its mailbox until an item is posted (an egress answer), the log's end moves
// (raise), a deadline of its own passes, or stop() is called. The mailbox lives in a
// shared_ptr and egress callbacks hold a weak_ptr to it, so a callback that comes after stop()
// finds nothing instead of a dead owner.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <utility>

namespace sb::integrations {

template <class Item>
struct mailbox {
  std::mutex m;
  std::condition_variable cv;
  bool stopping = false;
  std::uint64_t target = 0;  // the last log position the owner was told of
  std::deque<Item> items;

  // Any thread: hands `item` to the worker, or drops it when the mailbox is gone.
  static void post(const std::weak_ptr<mailbox>& weak, Item item) {
    auto b = weak.lock();
    if (!b) return;
    {
      std::lock_guard lk(b->m);
      b->items.push_back(std::move(item));
    }
    b->cv.notify_one();
  }

  // Any thread: moves the target forward (never back) and wakes the worker.
  void raise(std::uint64_t position) {
    {
      std::lock_guard lk(m);
      if (position <= target) return;
      target = position;
    }
    cv.notify_one();
  }

  std::uint64_t target_now() {
    std::lock_guard lk(m);
    return target;
  }
};

class worker {
 public:
  worker() = default;
  worker(const worker&) = delete;
  worker& operator=(const worker&) = delete;
  ~worker() {
    if (t_.joinable()) t_.join();  // the owner's stop() normally came first
  }

  bool running() const { return t_.joinable(); }

  template <class F>
  void start(F&& body) {
    if (!t_.joinable()) t_ = std::thread(std::forward<F>(body));
  }

  // Tells the thread through its mailbox to stop, and waits for it.
  template <class Box>
  void stop(Box& box) {
    if (!t_.joinable()) return;
    {
      std::lock_guard lk(box.m);
      box.stopping = true;
    }
    box.cv.notify_one();
    t_.join();
  }

 private:
  std::thread t_;
};

// The wait before attempt `attempts` + 1: `base` doubling per attempt, at most `max`, +-20%
// jitter (so that many lanes retrying one dead receiver do not knock in step).
inline std::chrono::milliseconds retry_delay(std::chrono::milliseconds base, std::chrono::milliseconds max,
                                             int attempts, std::mt19937& rng) {
  double d = static_cast<double>(base.count()) * std::pow(2.0, std::min(std::max(attempts - 1, 0), 30));
  d = std::min(d, static_cast<double>(max.count()));
  d *= std::uniform_real_distribution<double>(0.8, 1.2)(rng);
  return std::chrono::milliseconds(static_cast<std::int64_t>(d));
}

}  // namespace sb::integrations
