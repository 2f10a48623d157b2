#include "actors/chat_service.hpp"

#include <algorithm>

#include "actors/bots/flow_directory.hpp"
#include "actors/chat_service_impl.hpp"
#include "actors/conversation/decide.hpp"
#include "actors/directory.hpp"
#include "actors/tokens.hpp"
#include "actors/workspace/router_actor.hpp"

namespace sb {
namespace {

std::string new_conversation_id() { return random_id("cv_"); }

// The widget's bot: an external bot (docs/webhooks.md), or a live flow of its workspace
// (docs/flows.md).
std::optional<conversation::bot_start> bot_of(const chat_options& opts, const directory& dir,
                                              const std::string& workspace_id, const std::string& site_key) {
  auto w = dir.widget(site_key);
  if (!w) return std::nullopt;
  if (auto ai = w->find("ai_bot"); ai != w->end() && ai->is_object())
    return conversation::bot_start{conversation::kAiBot, 0, ai->value("name", "Assistant"), 0};
  if (auto ext = w->find("external_bot"); ext != w->end() && ext->is_object())
    return conversation::bot_start{"", 0, ext->value("name", "Bot"),
                                   ext->value("handoff_after_seconds", std::int64_t{60}) * 1000};
  if (!opts.flows) return std::nullopt;
  auto it = w->find("bot_flow_id");
  if (it == w->end() || !it->is_string()) return std::nullopt;
  auto f = opts.flows->current(workspace_id, it->get<std::string>());
  if (!f) return std::nullopt;
  return conversation::bot_start{f->id, f->version, f->compiled->name()};
}

// Ids come from clients: refuse anything that is not a plausible id before spawning an actor.
bool plausible_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
  return true;
}

}  // namespace

chat_service::impl::impl(events::event_log& log, events::group_commit_writer& writer,
                         events::blocking_pool& readers, const directory& d, chat_options opts)
    : dir(d) {
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

void chat_service::impl::conversation_closed(const std::string& visitor_id, const std::string& id,
                                             std::int64_t ts) {
  std::lock_guard lock{visitors_mutex};
  auto it = by_visitor.find(visitor_id);
  if (it != by_visitor.end() && it->second.conversation_id == id) {
    it->second.closed_ts = ts ? ts : 1;
    closed_order.emplace_back(it->second.closed_ts, visitor_id, id);
  }
  forget_closed_locked(unix_ms());
}

void chat_service::impl::forget_closed_locked(std::int64_t now) {
  auto window = env.opts.reopen_window.count();
  while (!closed_order.empty() && now - std::get<0>(closed_order.front()) >= window) {
    auto& [ts, visitor_id, id] = closed_order.front();
    auto it = by_visitor.find(visitor_id);
    // Only if it is still that closed conversation (a reopen or a newer one keeps it).
    if (it != by_visitor.end() && it->second.conversation_id == id && it->second.closed_ts == ts)
      by_visitor.erase(it);
    closed_order.pop_front();
  }
}

void chat_service::impl::conversation_reopened(const std::string& visitor_id, const std::string& id) {
  std::lock_guard lock{visitors_mutex};
  auto it = by_visitor.find(visitor_id);
  if (it != by_visitor.end() && it->second.conversation_id == id) it->second.closed_ts = 0;
}

caf::actor chat_service::impl::router_of(const std::string& workspace_id) {
  std::lock_guard lock{routers_mutex};
  if (routers_stopping) return {};  // sending to an invalid handle drops the message
  auto it = routers.find(workspace_id);
  if (it == routers.end())
    it = routers.emplace(workspace_id, workspace::spawn_router(*sys, *this, workspace_id, {})).first;
  return it->second;
}

chat_service::chat_service(events::event_log& log, events::group_commit_writer& writer,
                           events::blocking_pool& readers, const directory& dir, chat_options opts)
    : impl_(std::make_unique<impl>(log, writer, readers, dir, opts)) {}

chat_service::~chat_service() {
  {
    std::lock_guard lock{impl_->routes_mutex};
    impl_->stopping = true;
    for (auto& [id, a] : impl_->routes) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    impl_->routes.clear();
  }
  {
    std::lock_guard lock{impl_->routers_mutex};
    impl_->routers_stopping = true;
    for (auto& [id, a] : impl_->routers) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    impl_->routers.clear();
  }
  impl_->sys.reset();  // waits for every actor
}

void chat_service::visitor_message(const conversation::principal& visitor,
                                   const std::string& site_key, conversation::post_message msg,
                                   std::weak_ptr<frame_sink> watch, ack_callback done,
                                   std::string offline_message, std::string channel) {
  if (auto f = conversation::check_message(msg)) return done(*f, {});
  // The lock is held until the message is routed: a second tab's message can then never reach
  // a just-minted conversation before the message that opens it.
  std::lock_guard lock{impl_->visitors_mutex};
  std::string id;
  bool fresh = false;
  auto window = impl_->env.opts.reopen_window.count();
  msg.reopen_within_ms = window;
  impl_->forget_closed_locked(unix_ms());
  auto it = impl_->by_visitor.find(visitor.who.id);
  if (it != impl_->by_visitor.end() && it->second.closed_ts &&
      unix_ms() - it->second.closed_ts >= window)
    impl_->by_visitor.erase(it), it = impl_->by_visitor.end();  // too old to reopen
  if (it == impl_->by_visitor.end()) {
    id = new_conversation_id();
    impl_->by_visitor[visitor.who.id] = {id, 0};
    fresh = true;
  } else {
    id = it->second.conversation_id;
  }
  conversation::post_msg m{visitor, msg, nullptr, std::nullopt, watch};
  if (fresh) {
    m.open = conversation::open_conversation{visitor.workspace_id, site_key, visitor.who, offline_message};
    m.open->channel = std::move(channel);
    if (auto bot = bot_of(impl_->env.opts, impl_->dir, visitor.workspace_id, site_key)) {
      m.open->bot = std::move(bot);
      m.open->offline_message.clear();  // the bot answers (its flow can test business hours)
    }
    m.done = std::move(done);
  } else {
    // The conversation may have closed for good meanwhile: then open a new one, once.
    m.done = [this, visitor, site_key, msg, id, watch, offline_message, done = std::move(done)](
                 const failure& f, const ack_info& a) {
      if (f.code == errc::conflict || f.code == errc::not_found) {
        {
          std::lock_guard lock{impl_->visitors_mutex};
          auto it = impl_->by_visitor.find(visitor.who.id);
          if (it != impl_->by_visitor.end() && it->second.conversation_id == id)
            impl_->by_visitor.erase(it);
        }
        return visitor_message(visitor, site_key, msg, watch, done, offline_message);
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

namespace {
conversation::control_msg failures_only(const conversation::principal& who, conversation::command cmd,
                                        failure_callback failed) {
  return {who, std::move(cmd), [f = std::move(failed)](const failure& e, const conversation_info&) { f(e); }, true};
}
}  // namespace

void chat_service::accept(const conversation::principal& who, const std::string& id, failure_callback failed) {
  if (!plausible_id(id)) return failed({errc::not_found, "no such conversation"});
  impl_->route(id, failures_only(who, conversation::accept{}, std::move(failed)));
}

void chat_service::close(const conversation::principal& who, const std::string& id, failure_callback failed) {
  if (!plausible_id(id)) return failed({errc::not_found, "no such conversation"});
  impl_->route(id, failures_only(who, conversation::close{}, std::move(failed)));
}

void chat_service::mark_read(const conversation::principal& who, const std::string& id, std::uint64_t seq,
                             failure_callback failed) {
  if (!plausible_id(id)) return failed({errc::not_found, "no such conversation"});
  impl_->route(id, failures_only(who, conversation::mark_read{seq}, std::move(failed)));
}

void chat_service::typing(const conversation::principal& who, const std::string& id, bool on) {
  if (!plausible_id(id)) return;
  impl_->route(id, conversation::typing_msg{who, on});
}

void chat_service::transfer(const conversation::principal& who, bool admin, const std::string& id,
                            const std::string& to_user_id, info_callback done) {
  if (!plausible_id(id)) return done({errc::not_found, "no such conversation"}, {});
  impl_->to_router(who.workspace_id,
                   workspace::transfer_req{who, admin, id, to_user_id, std::move(done)});
}

void chat_service::escalate(const conversation::principal& who, const std::string& id,
                            info_callback done) {
  if (!plausible_id(id)) return done({errc::not_found, "no such conversation"}, {});
  impl_->route(id, conversation::control_msg{who, conversation::escalate{}, std::move(done)});
}

void chat_service::set_labels(const conversation::principal& who, const std::string& id,
                              std::vector<std::string> labels, info_callback done) {
  if (!plausible_id(id)) return done({errc::not_found, "no such conversation"}, {});
  impl_->route(id, conversation::control_msg{who, conversation::set_labels{std::move(labels)},
                                             std::move(done)});
}

void chat_service::staff_joined(const conversation::principal& who, std::weak_ptr<frame_sink> sink,
                                std::function<void(const std::string&)> joined) {
  auto key = sink.lock().get();
  impl_->to_router(who.workspace_id, workspace::staff_joined{who.who.id, who.who.name, std::move(sink),
                                                             key, std::move(joined)});
}

void chat_service::queue(const std::string& workspace_id, std::function<void(const std::string&)> done) {
  impl_->to_router(workspace_id, workspace::queue_req{std::move(done)});
}

void chat_service::staff_left(const conversation::principal& who, const frame_sink* sink) {
  impl_->to_router(who.workspace_id, workspace::staff_left{who.who.id, sink});
}

void chat_service::presence(const conversation::principal& who, const std::string& status) {
  impl_->to_router(who.workspace_id, workspace::presence_set{who.who.id, status});
}

void chat_service::settings_changed(const std::string& workspace_id) {
  impl_->to_router(workspace_id, workspace::settings_changed{});
}

agent_presence chat_service::presence_of(const std::string& workspace_id, const std::string& user_id) const {
  std::lock_guard lock{impl_->snapshot_mutex};
  auto ws = impl_->presence.find(workspace_id);
  if (ws == impl_->presence.end()) return {};
  auto it = ws->second.find(user_id);
  return it == ws->second.end() ? agent_presence{} : it->second;
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

std::size_t chat_service::tracked_visitors() const {
  std::lock_guard lock{impl_->visitors_mutex};
  return impl_->by_visitor.size();
}

std::optional<std::string> chat_service::open_conversation_of(const std::string& visitor_id) const {
  std::lock_guard lock{impl_->visitors_mutex};
  auto it = impl_->by_visitor.find(visitor_id);
  if (it == impl_->by_visitor.end() || it->second.closed_ts) return std::nullopt;
  return it->second.conversation_id;
}

void chat_service::restore(const std::vector<restored_conversation>& conversations,
                           const std::vector<std::string>& workspace_ids) {
  std::unordered_map<std::string, workspace::router_seed> seeds;
  {
    std::lock_guard lock{impl_->visitors_mutex};
    for (auto& c : conversations) {
      // Per visitor: its open conversation, else the one that closed last.
      auto& entry = impl_->by_visitor[c.visitor.id];
      bool open = c.status != "closed";
      bool entry_open = !entry.conversation_id.empty() && !entry.closed_ts;
      if (entry.conversation_id.empty() || (open && !entry_open) ||
          (!open && !entry_open && c.updated_ts > entry.closed_ts))
        entry = {c.id, open ? 0 : std::max<std::int64_t>(c.updated_ts, 1)};
      if (c.status != "waiting" && c.status != "active") continue;
      workspace::conv_update u{c.id, c.status, c.agent, "restore", c.queue_key, c.since_ts,
                               c.visitor, c.site_key, c.last_text};
      seeds[c.workspace_id].conversations.push_back(std::move(u));
    }
    std::vector<std::tuple<std::int64_t, std::string, std::string>> closed;
    for (auto& [visitor_id, e] : impl_->by_visitor)
      if (e.closed_ts) closed.emplace_back(e.closed_ts, visitor_id, e.conversation_id);
    std::sort(closed.begin(), closed.end());
    impl_->closed_order.assign(closed.begin(), closed.end());
    impl_->forget_closed_locked(unix_ms());
  }
  for (auto& ws : workspace_ids) seeds.try_emplace(ws);
  {
    std::lock_guard lock{impl_->routers_mutex};
    for (auto& [ws, seed] : seeds)
      if (!impl_->routers.count(ws))
        impl_->routers.emplace(ws, workspace::spawn_router(*impl_->sys, *impl_, ws, std::move(seed)));
  }
  // Bots that may owe their visitor an answer from before the restart (an AI reply being
  // written, an external bot's deadline, a webhook call; in each case the visitor spoke last):
  // loading the actor resumes that work. A day back at most; older ones wait for their
  // visitor's next message.
  auto since = unix_ms() - std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::hours(24)).count();
  for (auto& c : conversations)
    if (c.status == "bot" && c.visitor_spoke_last && c.updated_ts >= since)
      impl_->route(c.id, conversation::wake_msg{});
}

std::size_t chat_service::live_actors() const {
  std::lock_guard lock{impl_->routes_mutex};
  return impl_->routes.size();
}

}  // namespace sb
