#include <chrono>
#include <optional>

#include "actors/chat_service_impl.hpp"
#include "actors/conversation/actor_state.hpp"
#include "actors/conversation/evolve.hpp"
#include "actors/handoff.hpp"
#include "actors/workspace/router_actor.hpp"
#include "events/log.hpp"

namespace sb::conversation::detail {

void write(self_ptr self, pending_write p) {
  auto& st = self->state;
  std::vector<events::envelope> envs;
  envs.reserve(p.events.size());
  // Frames are rendered now (their content is fixed by decide) and sent by the commit callback.
  std::vector<std::pair<std::uint64_t, stored_frame>> frames;
  std::optional<ack_info> ack;
  // What the workspace's router must learn once durable: status changes (with the index of
  // their event in this append, for a new arrival's queue key) and texts while waiting.
  std::vector<std::pair<std::size_t, workspace::conv_update>> updates;
  std::optional<workspace::conv_text> text_update;
  bool reopens = false;
  auto stream_seq = st.s.stream_seq;
  auto status_before = st.s.status;
  for (std::size_t i = 0; i < p.events.size(); ++i) {
    auto& e = p.events[i];
    events::envelope env;
    env.type = type_name(e);
    env.version = 1;
    env.stream = "conversation/" + st.id;
    env.seq = ++stream_seq;
    env.data = encode_data(st.id, e);
    auto text = render_frame(st.id, e, env.data);
    if (!text.empty())
      frames.emplace_back(wire_seq(e), stored_frame{std::make_shared<const std::string>(std::move(text)),
                                                    staff_only(e), read_side_of(e)});
    if (auto* m = std::get_if<message_posted>(&e)) {
      if (!ack) ack = ack_info{st.id, m->seq, m->ts, m->client_msg_id, 0};  // the author's message
      if (m->sender.kind == "visitor") {
        st.last_visitor_text = m->text.substr(0, 200);
        // The queue shows the latest text; the router hears it at most once a second per
        // conversation (a delayed text_flush sends the last one of a burst).
        if (status_before == "waiting") {
          auto now = std::chrono::steady_clock::now();
          if (now - st.text_sent >= std::chrono::seconds(1)) {
            st.text_sent = now;
            text_update = workspace::conv_text{st.id, st.last_visitor_text};
          } else if (!st.text_flush_pending) {
            st.text_flush_pending = true;
            self->delayed_send(self, std::chrono::seconds(1), text_flush{});
          }
        }
      }
    }
    envs.push_back(std::move(env));
  }
  std::uint64_t last_wire_seq = 0;
  bool closes = false;
  std::int64_t closed_ts = 0;
  for (std::size_t i = 0; i < p.events.size(); ++i) {
    auto& e = p.events[i];
    evolve(st.s, e);
    if (auto seq = wire_seq(e)) last_wire_seq = seq;
    if (auto* sc = std::get_if<status_changed>(&e)) {
      if (sc->status == "closed") closes = true, closed_ts = sc->ts;
      if (sc->via == "reopen") reopens = true;
      updates.emplace_back(i, workspace::conv_update{st.id, sc->status, sc->agent, sc->via,
                                                     sc->queue_key.value_or(0), sc->ts, st.s.visitor,
                                                     st.s.site_key, st.last_visitor_text});
    }
  }
  if (!updates.empty()) text_update.reset();  // the update carries the text
  if (status_before == "waiting" && st.s.status != "waiting") st.frames->clear_place();
  // A close frees its agent's slot: the router hears of it as soon as the close is queued in
  // the log (below), so that the next assignment is written right behind it, often in the
  // same fsync. That is safe because the log is one sequence: the assignment cannot become
  // durable before the close. (If the close's fsync fails the log turns read-only, and the
  // assignment fails with it.) No second, durable update follows: a close that never becomes
  // durable leaves a read-only log, where nothing is assigned anyway.
  std::optional<workspace::conv_update> early_close;
  for (auto& [index, u] : updates)
    if (u.status == "closed") early_close = u;
  if (early_close) std::erase_if(updates, [](const auto& iu) { return iu.second.status == "closed"; });
  // A plain message or status change needs nothing from the actor once durable: the callback
  // acks and sends the frames, advances the feed's durable frontier and keeps the visitor's
  // index (closed / reopened, in log order). Only control answers, a failure, or a duplicate
  // waiting for its original wake the actor again (one CAF wake-up fewer per message and per
  // close).
  info_callback failed;  // errors only: called from the commit callback, never on success
  if (p.info_errors_only) failed = std::move(p.info);
  bool needs_actor = p.info != nullptr;
  caf::actor router;
  if (!updates.empty() || text_update || early_close) router = st.env.service->router_of(st.s.workspace_id);
  // Runs on the writer thread once durable: the author's ack first, then everyone's frames,
  // then the router hears of status changes.
  events::append_callback on_commit =
      [h = caf::actor_cast<caf::actor>(self), feed = st.frames, frames = std::move(frames),
       ack, done = std::move(p.ack), failed = std::move(failed), watch = p.watch, watcher = p.watcher_id, last_wire_seq,
       needs_actor, router, updates = std::move(updates), text_update, reopens, closes, closed_ts,
       notice = std::move(p.notice),
       service = st.env.service, visitor = st.s.visitor.id, id = st.id](const events::append_result& r) mutable {
        if (r.st.ok()) {
          feed->durable(last_wire_seq, r.last_position);
          // The router hears first, so that whoever got the ack and then asks for the queue
          // finds this change in it (read-your-writes).
          // The visitor's index follows the log's order: a close and the message that reopens
          // it (written while the close was on its way to disk) are applied in that order.
          if (reopens) service->conversation_reopened(visitor, id);
          if (closes) service->conversation_closed(visitor, id, closed_ts);
          for (auto& [index, u] : updates) {
            if (u.status == "waiting" && u.via != "requeue")
              u.queue_key = static_cast<std::int64_t>(r.first_position + index);
            handoff::release();
            caf::anon_send(router, std::move(u));
          }
          if (text_update) {
            handoff::release();
            caf::anon_send(router, std::move(*text_update));
          }
          if (done && ack) {
            ack->position = r.last_position;
            done({}, *ack);
          }
          feed->commit(frames, watch, watcher);
          // After the router's update above: whoever acts on this frame finds the router
          // knowing it.
          if (notice)
            for (auto& w : notice->sinks)
              if (auto sink = w.lock()) sink->push(notice->frame);
        } else {
          failure f{errc::unavailable, "storage failed: " + r.st.message()};
          if (done) done(f, {});
          if (failed) failed(f, {});
        }
        bool wake = !r.st.ok() || needs_actor || feed->wants_commits.load();
        feed->in_flight.fetch_sub(1);
        if (wake) {
          handoff::release();
          caf::anon_send(h, committed_msg{r, needs_actor});
        }
      };
  st.frames->in_flight.fetch_add(1);
  if (needs_actor) st.pending.push_back(std::move(p));
  auto refused = st.env.writer->append(std::move(envs), std::move(on_commit));
  if (!refused.ok()) return on_commit({refused, 0, 0, 0});
  if (early_close && router) {
    handoff::release();
    caf::anon_send(router, std::move(*early_close));
  }
}

}  // namespace sb::conversation::detail
