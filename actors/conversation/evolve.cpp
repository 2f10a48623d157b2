#include "actors/conversation/evolve.hpp"

#include <type_traits>

namespace sb::conversation {

void evolve(state& s, const event& e) {
  ++s.stream_seq;
  std::visit(
      [&](const auto& ev) {
        using T = std::decay_t<decltype(ev)>;
        if constexpr (std::is_same_v<T, opened>) {
          s.id = ev.conversation_id;
          s.workspace_id = ev.workspace_id;
          s.site_key = ev.site_key;
          s.visitor = ev.visitor;
          s.created_ts = s.updated_ts = ev.ts;
          s.status = "waiting";
        } else if constexpr (std::is_same_v<T, message_posted>) {
          s.last_seq = ev.seq;
          s.updated_ts = ev.ts;
          s.posted[posted_key(ev.sender.id, ev.client_msg_id)] = {ev.seq, ev.ts};
          if (ev.sender.kind == "bot") s.last_bot_seq = ev.seq;
          if (ev.sender.kind == "visitor") s.last_visitor_seq = ev.seq, s.last_visitor_ts = ev.ts;
          // (A closed one the bot had: this is the message that reopens it to the bot.)
          bool bots_turn = s.status == "bot" || (s.status == "closed" && s.closed_from == "bot");
          if (!ev.private_note && (s.status == "waiting" || bots_turn)) {
            if (s.transcript.size() == kTranscriptLines) s.transcript.erase(s.transcript.begin());
            s.transcript.push_back({ev.sender.kind, ev.text});
          }
        } else if constexpr (std::is_same_v<T, status_changed>) {
          s.last_seq = ev.seq;
          s.updated_ts = ev.ts;
          if (ev.status == "closed") s.closed_from = s.status;
          s.status = ev.status;
          // A person took it, or it closed with a person: the bot's transcript is over. Closed
          // while the bot had it, it is kept for the bot that a reopen brings back.
          if (ev.status == "active" || (ev.status == "closed" && s.closed_from != "bot")) s.transcript.clear();
          if (ev.status == "active" || ev.status == "waiting") s.agent = ev.agent;
          s.closed_ts = ev.status == "closed" ? ev.ts : 0;
        } else if constexpr (std::is_same_v<T, labels_set>) {
          s.labels = ev.labels;
        } else if constexpr (std::is_same_v<T, bot_state>) {
          s.bot_flow_id = ev.flow_id;
          s.bot_version = ev.version;
          s.bot_name = ev.name;
          s.bot_run = ev.run;
          s.bot_handoff_after_ms = ev.handoff_after_ms;
        } else {  // read_marked
          if (ev.reader.kind == "visitor") {
            if (ev.seq > s.visitor_read_seq) s.visitor_read_seq = ev.seq;
          } else if (ev.seq > s.staff_read_seq) {
            s.staff_read_seq = ev.seq;
          }
        }
      },
      e);
}

}  // namespace sb::conversation
