#pragma once
// app: everything the edge needs, built once by main() and shared by every session.
// Holds references only; main() owns the objects and outlives the server.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "actors/conversation/commands.hpp"
#include "actors/errors.hpp"

namespace sb {
class chat_service;
class directory;
class token_signer;
namespace events {
class event_log;
class group_commit_writer;
class blocking_pool;
}  // namespace events
namespace visitors {
class visitor_directory;
class geoip;
}  // namespace visitors
namespace projections {
class stats_projection;
class history_projection;
}
namespace files {
class file_store;
}
namespace integrations {
class ai_settings_store;
class channel_outbox;
class instagram_channels;
class telegram_channels;
class telegram_bridge;
class webhook_directory;
class webhook_outbox;
}  // namespace integrations
namespace bots {
class flow_directory;
class bot_tokens;
}
}  // namespace sb

namespace sb::http {

struct metrics;
class stats_watchers;
class staff_sockets;

struct limits {
  std::size_t ws_frame_max = 64 * 1024;
  std::size_t ws_backlog_max = 1 << 20;
  std::size_t http_body_max = 1 << 20;
  std::chrono::milliseconds agent_hello_timeout{10'000};
  std::chrono::milliseconds ws_ping_interval{25'000};  // the server pings every socket this often
  std::chrono::milliseconds ws_idle_timeout{60'000};   // a peer silent this long is dropped
  double ws_frames_per_second = 1000;  // per connection, bursts up to 2x
  double logins_per_minute = 10;     // per IP
  double staff_writes_per_second = 10;  // HTTP writes per staff token, bursts of 5x
  double visitor_messages_per_second = 1;  // per visitor, across its sockets
  double visitor_message_burst = 10;
  std::chrono::milliseconds min_position_wait{5000};
};

struct app {
  events::event_log& log;
  events::group_commit_writer& writer;
  events::blocking_pool& readers;
  events::blocking_pool& crypto;  // password hashing: slow on purpose, kept off everyone else
  chat_service& chat;
  directory& dir;
  projections::history_projection& history;
  const token_signer& tokens;
  metrics& stats;
  staff_sockets& staff;  // open staff sockets, closed on logout and user deletion
  files::file_store& files;  // uploads (POST /files, attachments); its max_bytes is the upload cap
  limits lim;
  std::chrono::hours token_ttl{12};
  std::chrono::hours visitor_token_ttl{24 * 365};
  // Peers whose X-Forwarded-For names the client (reverse proxies); empty: trust none.
  std::vector<std::string> trusted_proxies{};
  std::string web_dir{};  // built browser apps (web/dist): /widget.js, /widget/*, /console/*
  // Optional parts (main() sets them; in-process tests may leave them out).
  visitors::visitor_directory* visitors = nullptr;  // identify, open, online, GET /visitors
  const visitors::geoip* geo = nullptr;             // country and city of visitors
  projections::stats_projection* stats_model = nullptr;  // /stats and watch_stats
  stats_watchers* stats_watch = nullptr;                 // pushes `stats` to agent sockets
  bots::flow_directory* flows = nullptr;                 // /flows and the widgets' bots
  integrations::webhook_directory* webhooks = nullptr;   // /webhooks
  bots::bot_tokens* bot_tokens = nullptr;                // /bot_tokens, external bots' auth
  integrations::ai_settings_store* ai = nullptr;         // /ai
  integrations::instagram_channels* instagram = nullptr;  // /channels/instagram, /hooks/instagram
  integrations::webhook_outbox* outbox = nullptr;        // their delivery logs, redelivery
  integrations::channel_outbox* channel_outbox = nullptr;  // its backlog, for /metrics
  integrations::telegram_channels* telegram = nullptr;   // /channels/telegram
  integrations::telegram_bridge* telegram_bridge = nullptr;  // /hooks/telegram (webhook mode)
};

// A staff member authenticated by a bearer token.
struct staff {
  conversation::principal who;
  std::string user_id;
  std::string role;  // admin | agent
  std::string token_id;
  std::int64_t token_exp = 0;
};

// Verifies a staff token: signature, expiry, revocation, user still present.
std::optional<staff> authenticate_staff(const app& a, const std::string& token);
std::string issue_staff_token(const app& a, const std::string& user_id,
                              const std::string& workspace_id);
// {"type":"error","code","message","ref"?}
std::string error_frame(errc code, const std::string& message, const std::string& ref = {});
std::string error_body(errc code, const std::string& message);

}  // namespace sb::http
