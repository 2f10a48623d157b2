#pragma once
// Names the calling thread (shown by top -H, perf and /proc/<pid>/task/*/comm). Linux limits a
// name to 15 characters; longer names are cut.
#include <pthread.h>

#include <string>

namespace sb::events {

inline void name_this_thread(const std::string& name) {
  ::pthread_setname_np(::pthread_self(), name.substr(0, 15).c_str());
}

}  // namespace sb::events
