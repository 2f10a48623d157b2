#include "benchmarks/router_bench_sessions.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <charconv>
#include <stdexcept>
#include <string_view>

namespace sb::router_bench {

namespace {

// A frame of string fields, e.g. {"type":"close","conversation_id":...}.
std::string frame(std::initializer_list<std::pair<const char*, std::string>> fields) {
  json j = json::object();
  for (auto& [k, v] : fields) j[k] = v;
  return j.dump();
}

void note_close(const char* who, ws_stream& ws, const beast::error_code& ec) {
  if (g_closing) return;
  auto r = ws.reason();
  std::string key = std::string(who) + " " +
                    (r.code ? std::to_string(r.code) + " " + std::string(r.reason.data(), r.reason.size()) : ec.message());
  ++g_st->socket_closes[key];
}

// The conversation id of an `assigned` frame. The bench shares two cores with the server and
// reads 50 of these per round on the measured path: the usual shape is read without building a
// JSON tree (a quarter of the bench's CPU otherwise); any other shape is parsed in full.
std::string assigned_conversation_id(std::string_view text) {
  static constexpr std::string_view head = R"({"type":"assigned","conversation":{"id":")";
  if (text.starts_with(head)) {
    auto end = text.find('"', head.size());
    auto id = text.substr(head.size(), end == std::string_view::npos ? 0 : end - head.size());
    if (!id.empty() && id.find('\\') == std::string_view::npos) return std::string(id);
  }
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (!j.is_discarded() && j.contains("conversation") && j["conversation"].is_object())
    return json_string(j["conversation"], "id");
  return {};
}

void check_all_served(run_state& st) {
  if (st.served < st.opt.visitors || st.all_served_ns) return;
  st.all_served_ns = now_ns();
  if (st.opt.server_pid) st.cpu_served_us = process_cpu_us(st.opt.server_pid);
  st.self_cpu_served_s = self_cpu_s();
  for (auto* w : st.wakes) w->cancel();  // closes still waiting will get nothing: stop waiting
}

void on_agent_frame(run_state& st, agent& a, std::string_view text, int64_t t) {
  static constexpr std::string_view queue_prefix = R"({"type":"queue",)";
  if (text.starts_with(queue_prefix)) {
    st.queue[st.phase()].add(text.size());
    if (a.index == 0) {
      if (st.phase() == 1 && st.last_queue_ns) st.queue_gaps_ns.push_back(t - st.last_queue_ns);
      st.last_queue_ns = t;
    }
    if (auto p = text.rfind("\"total\":"); p != std::string_view::npos) {  // at the end
      int64_t total = 0;
      std::from_chars(text.data() + p + 8, text.data() + text.size(), total);
      st.last_queue_total = total;
    }
    return;
  }
  std::string_view type = frame_type(text);
  if (type == "presence") return st.presence[st.phase()].add(text.size());
  if (type == "assigned") {
    std::string cid = assigned_conversation_id(text);
    if (cid.empty()) return g_errors.add("assigned without conversation.id", std::string(text));
    if (++st.assigned[cid] == 1) ++st.served;
    if (!st.draining) ++st.initial_assigned;
    if (a.close_sent_ns) {
      st.dispatch_ns.push_back(t - a.close_sent_ns);
      ++st.closes_answered;
      a.close_sent_ns = 0;
      if (--st.closes_in_flight < st.opt.in_flight)
        for (auto* w : st.wakes) w->cancel();  // a closer waiting for its turn may go
    }
    a.held.push_back(std::move(cid));
    a.wake->cancel();
    check_all_served(st);
    return;
  }
  if (type == "error") {
    g_errors.add("agent error frame", std::string(text));
    if (a.close_sent_ns) --st.closes_in_flight;
    a.close_sent_ns = 0;  // a refused close frees nothing
    a.wake->cancel();
    return;
  }
  st.other_agent.add(text.size());
}

}  // namespace

net::awaitable<void> agent_reader(run_state& st, agent& a) {
  beast::flat_buffer buf;
  for (;;) {
    beast::error_code ec;
    co_await a.ws->async_read(buf, net::redirect_error(net::use_awaitable, ec));
    const int64_t t = now_ns();
    if (ec) {
      note_close("agent", *a.ws, ec);
      a.dead = true;
      a.wake->cancel();
      co_return;
    }
    on_agent_frame(st, a, buffer_view(buf), t);
    buf.consume(buf.size());
  }
}

// The measured phase for one agent: close what it holds, one close in flight at a time; a close
// sent while visitors still wait expects the next `assigned` on this socket.
net::awaitable<void> agent_worker(run_state& st, agent& a) {
  while (!a.dead && !g_closing) {
    const bool my_turn = st.closes_in_flight < st.opt.in_flight || st.served >= st.opt.visitors;
    if (!a.close_sent_ns && !a.held.empty() && my_turn) {
      std::string cid = std::move(a.held.front());
      a.held.pop_front();
      const std::string f = frame({{"type", "close"}, {"conversation_id", cid}});
      const int64_t t = now_ns();
      if (st.served < st.opt.visitors) {
        a.close_sent_ns = t;
        ++st.closes_in_flight;
      }
      ++st.closes_sent;
      beast::error_code ec;
      co_await a.ws->async_write(net::buffer(f), net::redirect_error(net::use_awaitable, ec));
      if (ec) {
        g_errors.add("agent write", ec.message());
        co_return;
      }
      continue;
    }
    if (st.all_served_ns && a.held.empty()) co_return;
    a.wake->expires_after(1s);
    beast::error_code ec;
    co_await a.wake->async_wait(net::redirect_error(net::use_awaitable, ec));
    if (st.all_served_ns && a.close_sent_ns) {  // nothing more will come
      a.close_sent_ns = 0;
      --st.closes_in_flight;
    }
  }
}

net::awaitable<void> visitor_session(run_state& st, visitor& v, int& in_flight, int& opened) {
  const char* step = "connect";
  try {
    v.ws = std::make_unique<ws_stream>(co_await net::this_coro::executor);
    const std::string path = visitor_ws_path(g_target.site_key);
    co_await connect_ws(g_target.server, *v.ws, path);
    step = "hello";
    co_await ws_write(*v.ws, k_visitor_hello);
    co_await read_until(*v.ws, v.buf, "welcome", 15s);
    step = "message";
    const std::string msg = frame({{"type", "message"},
                                   {"client_msg_id", "rb-" + std::to_string(v.index)},
                                   {"text", "router bench visitor " + std::to_string(v.index)}});
    co_await ws_write(*v.ws, msg);
    json ack = co_await read_until(*v.ws, v.buf, "ack", 15s);
    v.conversation_id = json_string(ack, "conversation_id");
    if (v.conversation_id.empty()) throw std::runtime_error("ack without conversation_id");
    st.visitor_of[v.conversation_id] = v.index;
    ++opened;
  } catch (const std::exception& e) {
    g_errors.add(std::string("visitor ") + step, e.what());
    --in_flight;
    co_return;
  }
  --in_flight;
  // Then count what the visitor hears: queue_position and status frames.
  for (;;) {
    v.buf.clear();
    beast::error_code ec;
    co_await v.ws->async_read(v.buf, net::redirect_error(net::use_awaitable, ec));
    if (ec) {
      note_close("visitor", *v.ws, ec);
      co_return;
    }
    std::string_view text = buffer_view(v.buf);
    std::string_view type = frame_type(text);
    if (type == "queue_position") {
      st.queue_position.add(text.size());
    } else if (type == "status") {
      st.visitor_status.add(text.size());
      if (text.find(R"("status":"active")") != std::string_view::npos) {
        ++st.active_status;
        if (++v.active_frames > 1) ++st.dup_active;
      }
    } else if (type == "error") {
      g_errors.add("visitor error frame", std::string(text));
    }
  }
}

}  // namespace sb::router_bench
