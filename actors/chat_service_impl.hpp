#pragma once
// chat_service's internals, shared by chat_service.cpp and the conversation actor.
#include <caf/all.hpp>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "actors/chat_service.hpp"
#include "actors/conversation/actor.hpp"
#include "actors/handoff.hpp"

namespace sb {

struct chat_service::impl {
  impl(events::event_log& log, events::group_commit_writer& writer,
       events::blocking_pool& readers, chat_options opts);

  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  conversation::actor_env env;

  // conversation id -> its actor; the mutex is held while sending so that an actor retiring
  // (see retire) can never miss a message sent to it.
  mutable std::mutex routes_mutex;
  std::unordered_map<std::string, caf::actor> routes;

  // visitor id -> open conversation id
  mutable std::mutex visitors_mutex;
  std::unordered_map<std::string, std::string> open_by_visitor;

  template <class Message>
  void route(const std::string& id, Message&& m, bool fresh = false) {
    std::lock_guard lock{routes_mutex};
    auto it = routes.find(id);
    if (it == routes.end())
      it = routes.emplace(id, conversation::spawn_conversation(*sys, env, id, fresh)).first;
    handoff::release();
    caf::anon_send(it->second, std::forward<Message>(m));
  }

  // An idle actor asks to stop; true if it was removed and must quit now.
  bool retire(const std::string& id, caf::scheduled_actor* self);
  // A conversation closed: its visitor's next message opens a new one.
  void conversation_closed(const std::string& visitor_id, const std::string& id);
};

}  // namespace sb
