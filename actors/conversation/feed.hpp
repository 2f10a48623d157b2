#pragma once
// The conversation's durable frames and its watchers (class feed, below), with the small types
// it keeps: a stored frame, a subscriber, an audience. Internal to the conversation actor: only
// actor.cpp includes this. Thread-safe: the actor (a CAF worker) and the log writer's commit
// callback (the writer thread) both call it; see feed for how they are ordered.
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "actors/frame_sink.hpp"

namespace sb::conversation {

using frame_ptr = std::shared_ptr<const std::string>;

struct subscriber {
  std::weak_ptr<frame_sink> sink;
  const frame_sink* key = nullptr;
  std::string party_id;
  bool visitor = false;  // visitor sockets never see private notes
};

// Whose read marker a frame is (read frames have no seq; the latest of each side is kept).
enum class read_side : std::uint8_t { none, staff, visitor };

// A durable frame and who may see it.
struct stored_frame {
  frame_ptr frame;
  bool staff_only = false;
  read_side read = read_side::none;
};

enum class audience { everyone, visitors };

// The conversation's durable frames and its watchers. Shared by the actor and the commit
// callback on the writer thread, so that a durable batch's ack and frames go out at once,
// without waiting for the actor to be scheduled again. The mutex orders a new watcher's
// backlog against live frames: each watcher sees every seq once, in order.
class feed {
 public:
  explicit feed(std::string id) : id_(std::move(id)) {}

  // Hydration: the frames already durable.
  void load(std::vector<stored_frame> frames, std::uint64_t durable_seq, std::uint64_t position) {
    std::lock_guard lock{mutex_};
    frames_ = std::move(frames);
    durable_seq_ = durable_seq;
    position_ = position;
  }
  // The durable frontier, advanced by the commit callback before it acks, so that the actor
  // learns it without being woken for every write (see write() in actor.cpp).
  void durable(std::uint64_t seq, std::uint64_t position) {
    if (seq > durable_seq_.load()) durable_seq_.store(seq);
    position_.store(position);
  }
  std::uint64_t durable_seq() const { return durable_seq_.load(); }
  std::uint64_t position() const { return position_.load(); }
  // Writes appended and not yet answered by the log (the actor may not retire meanwhile).
  std::atomic<int> in_flight{0};
  // Set by the actor while it waits for a seq to become durable: every commit then wakes it.
  std::atomic<bool> wants_commits{false};
  // A durable write: the author's socket starts watching (if asked), then every frame goes out.
  // A visitor socket that starts watching then hears the conversation's place in the queue.
  void commit(const std::vector<std::pair<std::uint64_t, stored_frame>>& frames,
              const std::weak_ptr<frame_sink>& watch, const std::string& watcher_id) {
    std::lock_guard lock{mutex_};
    std::shared_ptr<frame_sink> joined;
    if (auto w = watch.lock(); w && add_locked(watch, w.get(), watcher_id)) joined = std::move(w);
    for (auto& [seq, f] : frames) {
      if (seq) frames_.push_back(f);
      remember_read_locked(f);
      deliver_locked(seq, f.frame, {}, f.staff_only);
    }
    if (joined && joined->is_visitor() && place_) joined->deliver(id_, 0, place_);
  }
  // Hydration: the latest read marker of a side, from the stream.
  void remember_read(const stored_frame& f) {
    std::lock_guard lock{mutex_};
    remember_read_locked(f);
  }
  // The conversation's place in the queue (a queue_position frame) goes to its visitor sockets,
  // and to each one that starts watching later, until clear_place() (it stopped waiting).
  // The router may tell a place before the visitor's socket watches (its first message).
  void place(const frame_ptr& frame) {
    std::lock_guard lock{mutex_};
    place_ = frame;
    for (auto& s : subs_)
      if (s.visitor)
        if (auto sink = s.sink.lock()) sink->deliver(id_, 0, frame);
  }
  void clear_place() {
    std::lock_guard lock{mutex_};
    place_.reset();
  }
  void ephemeral(const frame_ptr& frame, const std::string& except_party,
                 audience to = audience::everyone) {
    std::lock_guard lock{mutex_};
    for (auto it = subs_.begin(); it != subs_.end();) {
      auto sink = it->sink.lock();
      if (!sink) {
        it = subs_.erase(it);
        continue;
      }
      if ((to == audience::everyone || it->visitor) && (except_party.empty() || it->party_id != except_party))
        sink->deliver(id_, 0, frame);
      ++it;
    }
  }
  // Every frame after after_seq, then live ones.
  void subscribe(std::uint64_t after_seq, const std::weak_ptr<frame_sink>& sink,
                 const std::string& party_id) {
    auto s = sink.lock();
    if (!s) return;
    std::lock_guard lock{mutex_};
    bool visitor = s->is_visitor();
    for (auto seq = after_seq; seq < frames_.size(); ++seq)
      if (!visitor || !frames_[seq].staff_only) s->deliver(id_, seq + 1, frames_[seq].frame, true);
    add_locked(sink, s.get(), party_id);
    // Read markers are not in the seq backlog: a socket coming back gets the other side's
    // latest one, so its ticks are right after a reload.
    if (auto& other = visitor ? staff_read_ : visitor_read_) s->deliver(id_, 0, other);
    if (visitor && place_) s->deliver(id_, 0, place_);
  }
  void unsubscribe(const frame_sink* key) {
    std::lock_guard lock{mutex_};
    std::erase_if(subs_, [&](const subscriber& s) { return s.key == key; });
  }
  bool watched() {
    std::lock_guard lock{mutex_};
    std::erase_if(subs_, [](const subscriber& s) { return s.sink.expired(); });
    return !subs_.empty();
  }

 private:
  void remember_read_locked(const stored_frame& f) {
    if (f.read == read_side::staff) staff_read_ = f.frame;
    if (f.read == read_side::visitor) visitor_read_ = f.frame;
  }
  // False when it was watching already.
  bool add_locked(const std::weak_ptr<frame_sink>& sink, const frame_sink* key,
                  const std::string& party_id) {
    for (auto& s : subs_)
      if (s.key == key) return false;
    subs_.push_back({sink, key, party_id, key->is_visitor()});
    return true;
  }
  void deliver_locked(std::uint64_t seq, const frame_ptr& frame, const std::string& except_party,
                      bool staff_only = false) {
    for (auto it = subs_.begin(); it != subs_.end();) {
      auto sink = it->sink.lock();
      if (!sink) {
        it = subs_.erase(it);
        continue;
      }
      if ((except_party.empty() || it->party_id != except_party) && !(staff_only && it->visitor))
        sink->deliver(id_, seq, frame);
      ++it;
    }
  }

  std::string id_;
  std::mutex mutex_;
  std::vector<stored_frame> frames_;  // index seq - 1
  std::vector<subscriber> subs_;
  frame_ptr place_;  // the latest queue_position while waiting
  frame_ptr staff_read_, visitor_read_;  // the latest read frame of each side
  std::atomic<std::uint64_t> durable_seq_{0};
  std::atomic<std::uint64_t> position_{0};
};

}  // namespace sb::conversation
