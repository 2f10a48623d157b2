#include "actors/chat_service.hpp"

#include "actors/chat_service_impl.hpp"
#include "actors/conversation/decide.hpp"
#include "actors/tokens.hpp"

namespace sb {
namespace {

std::string new_conversation_id() { return random_id("cv_"); }

// Ids come from clients: refuse anything that is not a plausible id before spawning an actor.
bool plausible_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
  return true;
}

}  // namespace

chat_service::impl::impl(events::event_log& log, events::group_commit_writer& writer,
                         events::blocking_pool& readers, chat_options opts) {
  // The sharing scheduler wakes workers at once; the default work stealing adds 50-100 us per
  // idle wake-up (see docs/architecture.md).
  cfg.set("scheduler.policy", caf::atom("sharing"));
  cfg.set("scheduler.max-threads", static_cast<size_t>(opts.caf_threads));
  cfg.set("logger.verbosity", caf::atom("quiet"));
  sys = std::make_unique<caf::actor_system>(cfg);
  env.log = &log;
  env.writer = &writer;
  env.readers = &readers;
  env.service = this;
  env.opts = opts;
}

bool chat_service::impl::retire(const std::string& id, caf::scheduled_actor* self) {
  std::lock_guard lock{routes_mutex};
  if (!self->mailbox().empty()) return false;
  auto it = routes.find(id);
  if (it != routes.end() && it->second.address() == self->address()) routes.erase(it);
  return true;
}

void chat_service::impl::conversation_closed(const std::string& visitor_id, const std::string& id) {
  std::lock_guard lock{visitors_mutex};
  auto it = open_by_visitor.find(visitor_id);
  if (it != open_by_visitor.end() && it->second == id) open_by_visitor.erase(it);
}

chat_service::chat_service(events::event_log& log, events::group_commit_writer& writer,
                           events::blocking_pool& readers, chat_options opts)
    : impl_(std::make_unique<impl>(log, writer, readers, opts)) {}

chat_service::~chat_service() {
  {
    std::lock_guard lock{impl_->routes_mutex};
    for (auto& [id, a] : impl_->routes) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    impl_->routes.clear();
  }
  impl_->sys.reset();  // waits for every actor
}

void chat_service::visitor_message(const conversation::principal& visitor,
                                   const std::string& site_key, conversation::post_message msg,
                                   std::weak_ptr<frame_sink> watch, ack_callback done) {
  if (auto f = conversation::check_message(msg)) return done(*f, {});
  // The lock is held until the message is routed: a second tab's message can then never reach
  // a just-minted conversation before the message that opens it.
  std::lock_guard lock{impl_->visitors_mutex};
  std::string id;
  bool fresh = false;
  auto it = impl_->open_by_visitor.find(visitor.who.id);
  if (it == impl_->open_by_visitor.end()) {
    id = new_conversation_id();
    impl_->open_by_visitor.emplace(visitor.who.id, id);
    fresh = true;
  } else {
    id = it->second;
  }
  conversation::post_msg m{visitor, msg, nullptr, std::nullopt, watch};
  if (fresh) {
    m.open = conversation::open_conversation{visitor.workspace_id, site_key, visitor.who};
    m.done = std::move(done);
  } else {
    // The open conversation may have closed meanwhile: then open a new one, once.
    m.done = [this, visitor, site_key, msg, id, watch, done = std::move(done)](
                 const failure& f, const ack_info& a) {
      if (f.code == errc::conflict || f.code == errc::not_found) {
        impl_->conversation_closed(visitor.who.id, id);
        return visitor_message(visitor, site_key, msg, watch, done);
      }
      done(f, a);
    };
  }
  impl_->route(id, std::move(m), fresh);
}

void chat_service::post(const conversation::principal& who, const std::string& id,
                        conversation::post_message msg, ack_callback done) {
  if (!plausible_id(id)) return done({errc::not_found, "no such conversation"}, {});
  impl_->route(id, conversation::post_msg{who, std::move(msg), std::move(done), std::nullopt, {}});
}

void chat_service::accept(const conversation::principal& who, const std::string& id,
                          info_callback done) {
  if (!plausible_id(id)) return done({errc::not_found, "no such conversation"}, {});
  impl_->route(id, conversation::control_msg{who, conversation::accept{}, std::move(done)});
}

void chat_service::close(const conversation::principal& who, const std::string& id,
                         info_callback done) {
  if (!plausible_id(id)) return done({errc::not_found, "no such conversation"}, {});
  impl_->route(id, conversation::control_msg{who, conversation::close{}, std::move(done)});
}

void chat_service::mark_read(const conversation::principal& who, const std::string& id,
                             std::uint64_t seq, info_callback done) {
  if (!plausible_id(id)) return done({errc::not_found, "no such conversation"}, {});
  impl_->route(id, conversation::control_msg{who, conversation::mark_read{seq}, std::move(done)});
}

void chat_service::typing(const conversation::principal& who, const std::string& id, bool on) {
  if (!plausible_id(id)) return;
  impl_->route(id, conversation::typing_msg{who, on});
}

void chat_service::get(const conversation::principal& who, const std::string& id,
                       info_callback done) {
  if (!plausible_id(id)) return done({errc::not_found, "no such conversation"}, {});
  impl_->route(id, conversation::get_msg{who, std::move(done)});
}

void chat_service::subscribe(const conversation::principal& who, const std::string& id,
                             std::uint64_t after_seq, std::weak_ptr<frame_sink> sink,
                             info_callback done) {
  if (!plausible_id(id)) return done({errc::not_found, "no such conversation"}, {});
  impl_->route(id, conversation::subscribe_msg{who, after_seq, std::move(sink), std::move(done)});
}

void chat_service::unsubscribe(const std::string& id, const frame_sink* sink) {
  std::lock_guard lock{impl_->routes_mutex};
  auto it = impl_->routes.find(id);  // no actor, no subscription: nothing to do
  if (it != impl_->routes.end()) {
    handoff::release();
    caf::anon_send(it->second, conversation::unsubscribe_msg{sink});
  }
}

std::optional<std::string> chat_service::open_conversation_of(const std::string& visitor_id) const {
  std::lock_guard lock{impl_->visitors_mutex};
  auto it = impl_->open_by_visitor.find(visitor_id);
  if (it == impl_->open_by_visitor.end()) return std::nullopt;
  return it->second;
}

void chat_service::restore_open_conversation(const std::string& visitor_id,
                                             const std::string& conversation_id) {
  std::lock_guard lock{impl_->visitors_mutex};
  impl_->open_by_visitor[visitor_id] = conversation_id;
}

std::size_t chat_service::live_actors() const {
  std::lock_guard lock{impl_->routes_mutex};
  return impl_->routes.size();
}

}  // namespace sb
