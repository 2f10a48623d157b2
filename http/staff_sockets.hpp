#pragma once
// staff_sockets: the open agent/admin sockets by user and token, so that what ends a staff
// session also ends its sockets: logging out (the token is revoked) and deleting the user close
// them with 4401 at once, instead of letting them watch conversations until they disconnect.
// Thread-safe; `closer`s are called with the registry unlocked and may be called from any
// thread (they hop to the socket's strand themselves).
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace sb::http {

class staff_sockets {
 public:
  using closer = std::function<void(std::uint16_t code, const std::string& reason)>;

  // Returns a handle for remove().
  std::uint64_t add(std::string user_id, std::string token_id, closer close) {
    std::lock_guard lock{mutex_};
    auto h = ++next_;
    entries_.emplace(h, entry{std::move(user_id), std::move(token_id), std::move(close)});
    return h;
  }
  void remove(std::uint64_t handle) {
    std::lock_guard lock{mutex_};
    entries_.erase(handle);
  }
  // Closes every socket opened with this token; returns how many.
  std::size_t close_token(const std::string& token_id, std::uint16_t code, const std::string& reason) {
    return close_if([&](const entry& e) { return e.token_id == token_id; }, code, reason);
  }
  // Closes every socket of this user; returns how many.
  std::size_t close_user(const std::string& user_id, std::uint16_t code, const std::string& reason) {
    return close_if([&](const entry& e) { return e.user_id == user_id; }, code, reason);
  }
  std::size_t size() const {
    std::lock_guard lock{mutex_};
    return entries_.size();
  }

 private:
  struct entry {
    std::string user_id;
    std::string token_id;
    closer close;
  };
  template <class Pred>
  std::size_t close_if(Pred pred, std::uint16_t code, const std::string& reason) {
    std::vector<closer> to_close;
    {
      std::lock_guard lock{mutex_};
      for (auto it = entries_.begin(); it != entries_.end();) {
        if (pred(it->second)) {
          to_close.push_back(std::move(it->second.close));
          it = entries_.erase(it);
        } else {
          ++it;
        }
      }
    }
    for (auto& c : to_close) c(code, reason);
    return to_close.size();
  }

  mutable std::mutex mutex_;
  std::unordered_map<std::uint64_t, entry> entries_;
  std::uint64_t next_ = 0;
};

}  // namespace sb::http
