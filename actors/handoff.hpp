#pragma once
// Messages cross threads through CAF's mailboxes, whose atomics live in Debian's
// uninstrumented libcaf_core: ThreadSanitizer cannot see that hand-off and would report every
// object handed over (a callback, a command) as a race. In TSan builds we make the edge
// visible: a release before each send into an actor, an acquire when the actor handles a
// message. Other builds compile this to nothing.
#include <atomic>

namespace sb::handoff {

#if defined(__SANITIZE_THREAD__)
inline std::atomic<unsigned long> edge{0};
inline void release() { edge.fetch_add(1, std::memory_order_acq_rel); }
inline void acquire() { (void)edge.load(std::memory_order_acquire); }
#else
inline void release() {}
inline void acquire() {}
#endif

}  // namespace sb::handoff
