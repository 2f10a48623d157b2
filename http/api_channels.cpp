// Channels beyond the widget (docs/channels.md): /api/v1/channels/instagram (admins link an
// Instagram account) and Meta's webhook, /hooks/instagram/{workspace id}: the subscription
// check (hub.challenge) and signed messaging events, which become visitor messages of
// conversations with channel "instagram"; /api/v1/channels/telegram (admins link a staff
// chat) and, in webhook mode, Telegram's updates at /hooks/telegram/{workspace id}. The rules
// live in integrations/channels.
#include <openssl/crypto.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "actors/chat_service.hpp"
#include "actors/directory.hpp"
#include "actors/visitors/visitor_directory.hpp"
#include "events/blocking_pool.hpp"
#include "http/api_support.hpp"
#include "http/app.hpp"
#include "integrations/channels/instagram.hpp"
#include "integrations/channels/telegram.hpp"
#include "integrations/channels/telegram_bridge.hpp"
#include "integrations/signature.hpp"

namespace sb::http {

namespace {

void configured(respond_fn respond, const failure& error, nlohmann::json object, std::uint64_t position) {
  if (error.code != errc::ok) return respond(http::error(error));
  object["position"] = position;
  respond(reply(200, object));
}

}  // namespace

void handle_channels(app& a, const staff& s, const api_request& req, const std::vector<std::string>& parts,
                     respond_fn respond) {
  if (s.role != "admin") return respond(error(errc::forbidden, "only admins link channels"));
  bool instagram = parts.size() == 4 && parts[3] == "instagram", telegram = parts.size() == 4 && parts[3] == "telegram";
  if (!instagram && !telegram) return respond(error(errc::not_found, "no such channel"));
  if ((instagram && !a.instagram) || (telegram && !a.telegram)) return respond(error(errc::unavailable, "channels are not enabled here"));
  auto ws = s.who.workspace_id;
  if (req.method == "GET") return respond(reply(200, instagram ? a.instagram->view(ws) : a.telegram->view(ws)));
  if (req.method != "PUT") return respond(error(errc::not_found, "no such endpoint"));
  auto body = object_body(req, respond);
  if (!body) return;
  if (telegram) {
    auto user_of_ws = [&a, ws](const std::string& id) {
      auto u = a.dir.user_by_id(id);
      return u && u->workspace_id == ws;
    };
    return a.telegram->configure(ws, *body, user_of_ws, [respond](const integrations::telegram_result& r) {
      configured(respond, r.error, r.object, r.position);
    });
  }
  auto widget_of_ws = [&a, ws](const std::string& site_key) {
    auto w = a.dir.widget(site_key);
    return w && w->value("workspace_id", "") == ws;
  };
  a.instagram->configure(ws, *body, widget_of_ws, [respond](const integrations::instagram_result& r) {
    configured(respond, r.error, r.object, r.position);
  });
}

void handle_telegram_hook(app& a, const api_request& req, const std::vector<std::string>& parts, respond_fn respond) {
  auto link = a.telegram ? a.telegram->link(parts[2]) : std::nullopt;
  if (!link || link->mode != "webhook" || !a.telegram_bridge)
    return respond(error(errc::not_found, "no Telegram webhook is set up here"));
  if (req.method != "POST") return respond(error(errc::not_found, "no such endpoint"));
  auto& secret = link->webhook_secret;
  if (req.telegram_secret.size() != secret.size() || CRYPTO_memcmp(req.telegram_secret.data(), secret.data(), secret.size()) != 0)
    return respond(error(errc::forbidden, "X-Telegram-Bot-Api-Secret-Token does not match"));
  auto body = nlohmann::json::parse(req.body, nullptr, false);
  if (!body.is_object()) return respond(error(errc::bad_request, "body is not JSON"));
  // It reads the relayed-message map (RocksDB): off the I/O thread.
  a.readers.submit([&a, ws = link->workspace_id, body = std::move(body), respond = std::move(respond)] {
    a.telegram_bridge->handle_update(ws, body);
    respond(reply(200, {{"ok", true}}));  // Telegram sends again on anything but 2xx
  });
}

void handle_instagram_hook(app& a, const api_request& req, const std::vector<std::string>& parts, respond_fn respond) {
  auto link = a.instagram ? a.instagram->link(parts[2]) : std::nullopt;
  if (!link) return respond(error(errc::not_found, "no Instagram account is linked here"));
  if (req.method == "GET") {  // Meta's subscription check
    auto q = parse_query(req.query);
    auto challenge = q["hub.challenge"];
    if (q["hub.mode"] != "subscribe" || q["hub.verify_token"] != link->verify_token || challenge.empty() ||
        challenge.size() > 200)
      return respond(error(errc::forbidden, "verify token does not match"));
    return respond({200, challenge, "text/plain; charset=utf-8", {}});
  }
  if (req.method != "POST") return respond(error(errc::not_found, "no such endpoint"));
  if (!integrations::meta_signature_valid(link->app_secret, req.body, req.hub_signature))
    return respond(error(errc::forbidden, "X-Hub-Signature-256 does not match"));
  auto body = nlohmann::json::parse(req.body, nullptr, false);
  if (!body.is_object()) return respond(error(errc::bad_request, "body is not JSON"));
  auto messages = integrations::instagram_messages(body);
  for (auto& m : messages) {
    conversation::principal visitor{{"visitor", integrations::instagram_visitor_id(link->workspace_id, m.sender_id), "Instagram user"},
                                    link->workspace_id};
    if (a.visitors) {  // in GET /visitors and the stats like a widget visit (no socket stays open)
      a.visitors->connected(visitor.who.id, {link->workspace_id, link->site_key, "unknown", "", ""},
                            [](const visitors::visitor_result&) {});
      a.visitors->disconnected(visitor.who.id);
    }
    conversation::post_message msg;
    msg.client_msg_id = "ig-" + m.mid;  // Meta retries a delivery with the same mid: stored once
    msg.text = m.text;
    a.chat.visitor_message(visitor, link->site_key, std::move(msg), {}, [](const failure& f, const ack_info&) {
      if (f.code != errc::ok) std::fprintf(stderr, "instagram: message refused: %s\n", f.message.c_str());
    }, "", "instagram");
  }
  respond(reply(200, {{"received", messages.size()}}));  // Meta wants a quick 200
}

}  // namespace sb::http
