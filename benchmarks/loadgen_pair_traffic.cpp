// A pair's per-message hot path: sending a message, and what the pair does with the frames its
// two sockets read (acks and deliveries complete the message records, seq bookkeeping counts
// duplicates and gaps, error frames reject messages). Frames are scanned (loadgen_frames.hpp)
// and parsed as JSON only when the scan gives up. The sockets are used directly here: this is
// the one loadgen file that compiles Beast's stream code.
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "benchmarks/loadgen_frames.hpp"
#include "benchmarks/loadgen_pair_session.hpp"

namespace sb::loadgen {

namespace {

bool is_normal_close(const beast::error_code& ec) {
  return ec == websocket::error::closed || ec == net::error::operation_aborted ||
         ec == net::error::eof || ec == beast::error::timeout;
}

}  // namespace

net::awaitable<void> pair_session::send_message(int64_t sent_ns) {
  const uint64_t counter = messages.size();
  message_record rec;
  rec.sent_ns = sent_ns;
  rec.wire_ns = now_ns();
  messages.push_back(rec);
  outstanding.fetch_add(1, std::memory_order_relaxed);
  ++window_used_;
  std::string frame;
  frame.reserve(80 + g_target.message_text.size());
  frame += R"({"type":"message","client_msg_id":")";
  frame += make_client_msg_id(index_, counter);
  frame += R"(","text":")";
  frame += g_target.message_text;
  frame += R"("})";
  beast::error_code ec;
  co_await visitor_.async_write(net::buffer(frame), net::redirect_error(net::use_awaitable, ec));
  g_sent.fetch_add(1, std::memory_order_relaxed);
  if (ec) mark_dead("visitor write", ec);
}

void pair_session::complete(message_record& rec) {
  if (rec.done) return;
  rec.done = true;
  --window_used_;
  outstanding.fetch_sub(1, std::memory_order_relaxed);
  if (opt_.mode == run_mode::closed) wake_.cancel();
}

message_record* pair_session::own_record(std::string_view client_msg_id) {
  int pair = -1;
  uint64_t counter = 0;
  if (!parse_client_msg_id(client_msg_id, pair, counter)) return nullptr;
  if (pair != index_ || counter >= messages.size()) return nullptr;
  return &messages[counter];
}

// Seq bookkeeping for message/status frames of our conversation; false for a repeat.
bool pair_session::check_seq(int64_t seq, int64_t& last, uint64_t& duplicates) {
  if (seq <= last) {
    ++duplicates;
    return false;
  }
  if (seq > last + 1) ++seq_gaps;
  last = seq;
  return true;
}

void pair_session::on_error_frame(const json& j, const char* who) {
  g_errors.add(std::string(who) + " error frame: " + json_string(j, "code"), j.dump());
  if (auto* rec = own_record(json_string(j, "ref"))) {
    rec->rejected = true;
    complete(*rec);
  }
}

net::awaitable<void> pair_session::visitor_reader() {
  auto self = shared_from_this();
  beast::flat_buffer buf;
  for (;;) {
    beast::error_code ec;
    co_await visitor_.async_read(buf, net::redirect_error(net::use_awaitable, ec));
    const int64_t t = now_ns();
    if (ec) {
      mark_dead("visitor read", ec);
      co_return;
    }
    std::string_view text = buffer_view(buf);
    if (frame_may_matter(text)) on_visitor_frame(text, t);
    buf.consume(buf.size());
  }
}

void pair_session::on_visitor_frame(std::string_view text, int64_t t) {
  if (hot_fields h; h.scan(text) && h.seq >= 0) {
    if (h.type == "ack" && !h.client_msg_id.empty()) return on_visitor_ack(h.client_msg_id, h.seq, t);
    if ((h.type == "message" || h.type == "status") && !h.conversation_id.empty())
      return on_visitor_event(h.type, h.conversation_id, h.seq, h.client_msg_id);
  }
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    g_errors.add("visitor bad frame", std::string(text.substr(0, 200)));
    return;
  }
  const std::string type = json_string(j, "type");
  if (type == "ack") {
    on_visitor_ack(json_string(j, "client_msg_id"), json_int(j, "seq", 0), t);
  } else if (type == "message" || type == "status") {
    on_visitor_event(type, json_id(j, "conversation_id"), json_int(j, "seq", 0),
                     json_string(j, "client_msg_id"));
  } else if (type == "error") {
    on_error_frame(j, "visitor");
  } else if (type == "pong" && json_string(j, "id") == k_sync_id) {
    visitor_synced_ = true;
    wake_.cancel();
  }
}

void pair_session::on_visitor_ack(std::string_view client_msg_id, int64_t seq, int64_t t) {
  message_record* rec = own_record(client_msg_id);
  if (!rec) return;
  if (++rec->acks > 1) {
    ++duplicate_acks;
    return;
  }
  rec->ack_ns = t;
  rec->ack_seq = seq;
  if (rec->deliveries > 0) complete(*rec);
}

void pair_session::on_visitor_event(std::string_view type, std::string_view conversation_id,
                                    int64_t seq, std::string_view client_msg_id) {
  if (conversation_id != conversation_id_) {
    ++foreign_frames;
    return;
  }
  if (!check_seq(seq, visitor_last_seq_, visitor_duplicate_frames)) return;
  // The contract gives the author its ack before the message frame.
  if (type == "message") {
    message_record* rec = own_record(client_msg_id);
    if (rec && rec->acks == 0) ++echo_before_ack;
  }
}

net::awaitable<void> pair_session::agent_reader() {
  auto self = shared_from_this();
  beast::flat_buffer buf;
  for (;;) {
    beast::error_code ec;
    co_await agent_.async_read(buf, net::redirect_error(net::use_awaitable, ec));
    const int64_t t = now_ns();
    if (ec) {
      if (!closing_ && !g_closing.load(std::memory_order_relaxed) && !is_normal_close(ec))
        g_errors.add("agent read", ec.message());
      else if (!closing_ && !g_closing.load(std::memory_order_relaxed))
        g_errors.add("agent closed", ec.message());
      dead_ = true;
      co_return;
    }
    std::string_view text = buffer_view(buf);
    if (frame_may_matter(text)) on_agent_frame(text, t);
    buf.consume(buf.size());
  }
}

void pair_session::on_agent_frame(std::string_view text, int64_t t) {
  if (hot_fields h; h.scan(text) && h.seq >= 0 && !h.conversation_id.empty() &&
                    (h.type == "message" || h.type == "status"))
    return on_agent_event(h.type, h.conversation_id, h.seq, h.client_msg_id, t);
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    g_errors.add("agent bad frame", std::string(text.substr(0, 200)));
    return;
  }
  const std::string type = json_string(j, "type");
  if (type == "message" || type == "status") {
    on_agent_event(type, json_id(j, "conversation_id"), json_int(j, "seq", 0),
                   json_string(j, "client_msg_id"), t);
  } else if (type == "error") {
    on_error_frame(j, "agent");
  } else if (type == "pong" && json_string(j, "id") == k_sync_id) {
    agent_synced_ = true;
    wake_.cancel();
  }
}

void pair_session::on_agent_event(std::string_view type, std::string_view conversation_id,
                                  int64_t seq, std::string_view client_msg_id, int64_t t) {
  if (conversation_id != conversation_id_) {
    ++foreign_frames;
    return;
  }
  if (!check_seq(seq, agent_last_seq_, agent_duplicate_frames)) return;
  if (type != "message") return;
  message_record* rec = own_record(client_msg_id);
  if (!rec) return;
  if (++rec->deliveries > 1) {
    ++agent_duplicate_frames;  // same client_msg_id under a new seq: stored twice
    return;
  }
  rec->deliver_ns = t;
  g_delivered.fetch_add(1, std::memory_order_relaxed);
  if (rec->acks > 0) complete(*rec);
}

}  // namespace sb::loadgen
