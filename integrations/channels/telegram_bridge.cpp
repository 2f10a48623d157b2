#include "integrations/channels/telegram_bridge.hpp"

#include <algorithm>
#include <cstdio>
#include <deque>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "events/thread_name.hpp"
#include "integrations/channels/telegram.hpp"
#include "integrations/egress.hpp"
#include "integrations/worker.hpp"

namespace sb::integrations {
namespace {
using json = nlohmann::json;
using steady = std::chrono::steady_clock;

struct answer {
  std::string workspace_id, method;
  std::uint64_t version = 0;
  egress_response res;
};

using answers_box = mailbox<answer>;

// Where a workspace's polling stands (bridge thread only).
struct poller {
  bool in_flight = false;
  std::uint64_t ready_version = 0;  // deleteWebhook (polling) or setWebhook (webhook) done for it
  steady::time_point next_at{};
  std::chrono::milliseconds backoff{0};
};

}  // namespace

struct telegram_bridge::impl {
  telegram_channels& links;
  egress_client& egress;
  act_fn act;
  options opts;
  std::shared_ptr<answers_box> box = std::make_shared<answers_box>();
  worker thread;
  std::unordered_map<std::string, poller> pollers;  // bridge thread only

  impl(telegram_channels& l, egress_client& e, act_fn a, options o) : links(l), egress(e), act(std::move(a)), opts(o) {}

  // Sends a Bot API call; the answer comes back through the mailbox when `tracked`.
  void call(const telegram_link& l, const std::string& method, json body, bool tracked, std::chrono::milliseconds timeout) {
    egress_request r;
    r.method = "POST";
    r.url = l.method_url(method);
    r.headers = {{"Content-Type", "application/json"}};
    r.body = body.dump();
    r.timeout = timeout;
    std::weak_ptr<answers_box> weak = box;
    egress.send(std::move(r), [weak, tracked, ws = l.workspace_id, method, v = l.version](egress_response res) {
      if (!tracked) {
        if (!res.ok()) std::fprintf(stderr, "telegram: %s failed: %d %s\n", method.c_str(), res.status, res.error.c_str());
        return;
      }
      answers_box::post(weak, {ws, method, v, std::move(res)});
    });
  }

  void say(const telegram_link& l, const std::string& text, std::int64_t reply_to) {
    json body{{"chat_id", l.staff_chat_id}, {"text", text}};
    if (reply_to) body["reply_parameters"] = {{"message_id", reply_to}, {"allow_sending_without_reply", true}};
    call(l, "sendMessage", std::move(body), false, std::chrono::seconds(10));
  }

  void run() {
    events::name_this_thread("sb-telegram");
    auto next_wake = steady::now();
    for (;;) {
      std::deque<answer> as;
      {
        std::unique_lock lk(box->m);
        box->cv.wait_until(lk, next_wake, [&] { return box->stopping || !box->items.empty(); });
        if (box->stopping) return;
        as.swap(box->items);
      }
      for (auto& a : as) on_answer(a);
      auto now = steady::now();
      next_wake = now + std::chrono::seconds(1);  // links may have changed
      for (auto& l : links.links()) {
        auto& p = pollers[l.workspace_id];
        if (p.in_flight) continue;
        if (p.next_at > now) {
          next_wake = std::min(next_wake, p.next_at);
          continue;
        }
        p.in_flight = true;
        if (p.ready_version != l.version) {
          if (l.mode == "webhook")
            call(l, "setWebhook", {{"url", l.webhook_url}, {"secret_token", l.webhook_secret}, {"allowed_updates", {"message"}}},
                 true, std::chrono::seconds(10));
          else
            call(l, "deleteWebhook", json::object(), true, std::chrono::seconds(10));
        } else if (l.mode == "polling") {
          call(l, "getUpdates",
               {{"offset", links.update_offset(l.workspace_id) + 1},
                {"timeout", opts.poll_timeout.count()},
                {"allowed_updates", {"message"}}},
               true, opts.poll_timeout + std::chrono::seconds(10));
        } else {
          p.in_flight = false;  // webhook mode, registered: updates come to the hook
        }
      }
    }
  }

  void on_answer(answer& a) {
    auto& p = pollers[a.workspace_id];
    p.in_flight = false;
    if (a.res.error == "stopped") return;
    auto body = json::parse(a.res.body, nullptr, false);
    bool ok = a.res.ok() && body.is_object() && body.value("ok", false);
    if (!ok) {
      p.backoff = std::min<std::chrono::milliseconds>(std::max<std::chrono::milliseconds>(p.backoff * 2, std::chrono::milliseconds(1000)),
                                                      opts.retry_max);
      p.next_at = steady::now() + p.backoff;
      // The answer's description, never the URL (it holds the bot token).
      std::fprintf(stderr, "telegram: %s for %s failed: %d %s %.200s\n", a.method.c_str(), a.workspace_id.c_str(), a.res.status,
                   a.res.error.c_str(), body.is_object() ? body.value("description", std::string()).c_str() : "");
      return;
    }
    p.backoff = std::chrono::milliseconds(0);
    if (a.method != "getUpdates") {
      p.ready_version = a.version;
      return;
    }
    auto link = links.link(a.workspace_id);
    if (!link || link->version != a.version) return;  // changed meanwhile: start over with it
    std::int64_t last = 0;
    if (body.contains("result") && body["result"].is_array())
      for (auto& u : body["result"]) {
        handle_update(a.workspace_id, u);
        if (u.contains("update_id") && u["update_id"].is_number_integer()) last = std::max(last, u["update_id"].get<std::int64_t>());
      }
    if (last) links.save_update_offset(a.workspace_id, last);
  }

  bool handle_update(const std::string& ws, const json& update) {
    auto link = links.link(ws);
    auto m = telegram_message(update);
    if (!link || !m || m->chat_id != link->staff_chat_id || !m->reply_to) return false;
    auto cid = links.conversation_for(ws, m->reply_to);
    if (!cid) {
      say(*link, "That message is not a relayed visitor message: reply to one to answer the visitor.", m->message_id);
      return false;
    }
    telegram_staff_reply r;
    r.workspace_id = ws;
    r.conversation_id = *cid;
    r.client_msg_id = "tg-" + m->chat_id + "-" + std::to_string(m->message_id);
    r.text = m->text;
    r.telegram_user_id = m->from_id;
    r.telegram_name = m->from_name.empty() ? "Telegram" : m->from_name;
    if (auto u = link->staff_users.find(m->from_id); u != link->staff_users.end()) r.user_id = u->second;
    auto cmd = m->text.substr(0, m->text.find_first_of(" @"));
    r.close = cmd == "/close";
    std::weak_ptr<answers_box> alive = box;
    act(r, [this, alive, l = *link, id = m->message_id](const std::string& error) {
      if (error.empty() || !alive.lock()) return;
      say(l, "Not sent: " + error, id);
    });
    return true;
  }
};

telegram_bridge::telegram_bridge(telegram_channels& links, egress_client& egress, act_fn act, options opts)
    : impl_(std::make_unique<impl>(links, egress, std::move(act), opts)) {}

telegram_bridge::~telegram_bridge() { stop(); }

void telegram_bridge::start() {
  impl_->thread.start([p = impl_.get()] { p->run(); });
}

void telegram_bridge::stop() { impl_->thread.stop(*impl_->box); }

bool telegram_bridge::handle_update(const std::string& workspace_id, const json& update) {
  return impl_->handle_update(workspace_id, update);
}

}  // namespace sb::integrations
