#pragma once
// chat_service's internals, shared by chat_service.cpp, the conversation actor and the
// workspace router actor.
#include <caf/all.hpp>
#include <deque>
#include <mutex>
#include <tuple>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "actors/chat_service.hpp"
#include "actors/conversation/actor.hpp"
#include "actors/handoff.hpp"

namespace sb {

struct chat_service::impl {
  impl(events::event_log& log, events::group_commit_writer& writer,
       events::blocking_pool& readers, const directory& dir, chat_options opts);

  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  conversation::actor_env env;
  const directory& dir;

  // conversation id -> its actor; the mutex is held while sending so that an actor retiring
  // (see retire) can never miss a message sent to it.
  mutable std::mutex routes_mutex;
  std::unordered_map<std::string, caf::actor> routes;

  // visitor id -> its latest conversation and when that closed (0 while open)
  struct visitor_entry {
    std::string conversation_id;
    std::int64_t closed_ts = 0;
  };
  mutable std::mutex visitors_mutex;
  std::unordered_map<std::string, visitor_entry> by_visitor;
  // Closed entries in the order they closed (closed_ts, visitor id, conversation id): entries
  // past the reopen window leave by_visitor from the front, so it holds the open conversations
  // and those closed within the window only. Guarded by visitors_mutex.
  std::deque<std::tuple<std::int64_t, std::string, std::string>> closed_order;
  void forget_closed_locked(std::int64_t now_ms);

  // workspace id -> its router (routers live as long as the service)
  mutable std::mutex routers_mutex;
  std::unordered_map<std::string, caf::actor> routers;
  bool routers_stopping = false;  // guarded by routers_mutex (see stopping)

  // What the routers publish for readers on other threads.
  mutable std::mutex snapshot_mutex;
  std::unordered_map<std::string, std::unordered_map<std::string, agent_presence>> presence;

  // Set by ~chat_service: actors still running (a router flushing) must not spawn new ones
  // into an actor system that is being torn down; their messages are dropped.
  bool stopping = false;  // guarded by routes_mutex

  template <class Message>
  void route(const std::string& id, Message&& m, bool fresh = false) {
    std::lock_guard lock{routes_mutex};
    if (stopping) return;
    auto it = routes.find(id);
    if (it == routes.end())
      it = routes.emplace(id, conversation::spawn_conversation(*sys, env, id, fresh)).first;
    handoff::release();
    caf::anon_send(it->second, std::forward<Message>(m));
  }

  // The router of a workspace (spawned empty if it did not exist).
  caf::actor router_of(const std::string& workspace_id);
  template <class Message>
  void to_router(const std::string& workspace_id, Message&& m) {
    auto r = router_of(workspace_id);
    handoff::release();
    caf::anon_send(r, std::forward<Message>(m));
  }

  // An idle actor asks to stop; true if it was removed and must quit now.
  bool retire(const std::string& id, caf::scheduled_actor* self);
  // A conversation closed or reopened: the visitor's next message goes to it while it is
  // open or closed for less than the reopen window, else opens a new one.
  void conversation_closed(const std::string& visitor_id, const std::string& id, std::int64_t ts);
  void conversation_reopened(const std::string& visitor_id, const std::string& id);
};

}  // namespace sb
