// switchboard: one binary, one node. Wires storage, actors, read models and the edge, then
// waits for SIGTERM/SIGINT and shuts down cleanly (stop accepting, close sockets with 1001,
// drain the log writer, exit 0).
#include <sys/resource.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <string>

#include "actors/bots/bot_tokens.hpp"
#include "actors/bots/flow_directory.hpp"
#include "actors/chat_service.hpp"
#include "actors/directory.hpp"
#include "actors/files/file_store.hpp"
#include "actors/tokens.hpp"
#include "actors/vault.hpp"
#include "actors/visitors/geoip.hpp"
#include "actors/visitors/visitor_directory.hpp"
#include "events/blocking_pool.hpp"
#include "events/group_commit_writer.hpp"
#include "events/log.hpp"
#include "http/flags.hpp"
#include "http/startup.hpp"
#include "integrations/ai/ai_settings_store.hpp"
#include "integrations/channels/channel_replies.hpp"
#include "integrations/channels/instagram.hpp"
#include "integrations/channels/telegram.hpp"
#include "integrations/egress.hpp"
#include "integrations/flow_webhooks.hpp"
#include "integrations/webhooks/outbox.hpp"
#include "integrations/webhooks/webhook_directory.hpp"
#include "http/metrics.hpp"
#include "http/server.hpp"
#include "http/staff_sockets.hpp"
#include "http/stats_watch.hpp"
#include "projections/stats_projection.hpp"
#include "projections/history_projection.hpp"

using sb::http::parse_flags;
using sb::http::to_uint;


int main(int argc, char** argv) {
  // Signals are taken synchronously by main (sigwait); block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  // Every socket is a file descriptor: take the hard limit, not the usual soft 1024.
  rlimit fd_limit{};
  if (getrlimit(RLIMIT_NOFILE, &fd_limit) == 0 && fd_limit.rlim_cur < fd_limit.rlim_max) {
    fd_limit.rlim_cur = fd_limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &fd_limit);
  }

  std::map<std::string, std::string> f;
  bool replay = false, add_workspace = false;
  if (!parse_flags(argc, argv, f, replay, add_workspace)) return 2;
  unsigned long long port, io_threads, actor_threads, reader_threads, ttl, frame_max, backlog,
      ws_rate, login_rate, idle, commit_interval, ws_ping, ws_idle, agent_grace, reopen_hours,
      visitor_rate, visitor_burst, staff_write_rate;
  if (!to_uint(f["http-port"], 65535, port) || !to_uint(f["io-threads"], 64, io_threads) ||
      !to_uint(f["actor-threads"], 64, actor_threads) ||
      !to_uint(f["reader-threads"], 64, reader_threads) || !to_uint(f["token-ttl-hours"], 24 * 365, ttl) ||
      !to_uint(f["ws-frame-max"], 64 << 20, frame_max) ||
      !to_uint(f["ws-backlog-max"], 1ull << 32, backlog) || !to_uint(f["ws-rate"], 1000000, ws_rate) ||
      !to_uint(f["login-rate"], 100000, login_rate) || !to_uint(f["actor-idle-seconds"], 86400, idle) ||
      !to_uint(f["commit-interval-us"], 1000000, commit_interval) ||
      !to_uint(f["ws-ping-seconds"], 3600, ws_ping) || !to_uint(f["ws-idle-seconds"], 86400, ws_idle) ||
      !to_uint(f["agent-grace-seconds"], 86400, agent_grace) ||
      !to_uint(f["reopen-hours"], 24 * 365, reopen_hours) ||
      !to_uint(f["visitor-rate"], 1000000, visitor_rate) || !to_uint(f["visitor-burst"], 1000000, visitor_burst) ||
      !to_uint(f["staff-write-rate"], 1000000, staff_write_rate) || visitor_rate == 0 ||
      visitor_burst == 0 || staff_write_rate == 0 ||
      ws_ping == 0 || ws_idle <= ws_ping ||
      io_threads == 0 || actor_threads == 0 || reader_threads == 0 || ttl == 0 || frame_max < 1024) {
    std::fprintf(stderr, "a numeric flag is out of range (see --help)\n");
    return 2;
  }

  const std::string& completion = f["completion-thread"];
  const bool completion_thread = completion == "true" || completion == "1";
  if (!completion_thread && completion != "false" && completion != "0") {
    std::fprintf(stderr, "--completion-thread is true or false (see --help)\n");
    return 2;
  }

  unsigned long long upload_max = 0;  // uploads are held in memory while read: at most 1 GiB
  if (!to_uint(f["upload-max-bytes"], 1ull << 30, upload_max) || upload_max == 0) {
    std::fprintf(stderr, "--upload-max-bytes is 1 to 1073741824 (see --help)\n");
    return 2;
  }

  unsigned long long egress_timeout = 0, webhook_retry_max = 0, telegram_poll = 0;
  if (!to_uint(f["egress-timeout-ms"], 600000, egress_timeout) || egress_timeout < 100 ||
      !to_uint(f["webhook-retry-max-seconds"], 86400, webhook_retry_max) || webhook_retry_max == 0 ||
      !to_uint(f["telegram-poll-seconds"], 50, telegram_poll) || telegram_poll == 0) {
    std::fprintf(stderr, "--egress-timeout-ms is 100 to 600000, --webhook-retry-max-seconds 1 to 86400, "
                 "--telegram-poll-seconds 1 to 50 (see --help)\n");
    return 2;
  }

  std::error_code fs_ec;
  std::filesystem::create_directories(f["data-dir"], fs_ec);
  sb::events::status st;
  auto log = sb::events::event_log::open({f["data-dir"], nullptr}, st);
  if (!log) {
    std::fprintf(stderr, "cannot open the data dir %s: %s\n", f["data-dir"].c_str(), st.message().c_str());
    return 1;
  }

  sb::projections::history_projection history{*log};
  sb::projections::stats_projection stats_model{*log};
  bool rebuild = replay || f["rebuild-projections"] == "true" || f["rebuild-projections"] == "1";
  auto replay_started = std::chrono::steady_clock::now();
  if (auto s = history.start(rebuild); !s) {
    std::fprintf(stderr, "history read model failed to start: %s\n", s.message().c_str());
    return 1;
  }
  auto stats_started = std::chrono::steady_clock::now();
  if (auto s = stats_model.start(rebuild); !s) {
    std::fprintf(stderr, "stats read model failed to start: %s\n", s.message().c_str());
    return 1;
  }
  if (replay) {
    auto done = std::chrono::steady_clock::now();
    auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
    std::printf("read models rebuilt up to position %llu (history %.0f ms, stats %.0f ms)\n",
                static_cast<unsigned long long>(history.applied_position()),
                ms(stats_started - replay_started), ms(done - stats_started));
    history.stop();
    stats_model.stop();
    return 0;
  }

  sb::http::metrics stats;
  sb::events::group_commit_writer::options writer_opts;
  writer_opts.min_commit_interval = std::chrono::microseconds(commit_interval);
  writer_opts.completion_thread = completion_thread;
  sb::events::group_commit_writer writer{*log, writer_opts};
  std::atomic<sb::integrations::webhook_outbox*> outbox_ptr{nullptr};  // set once they exist
  std::atomic<sb::integrations::channel_outbox*> channel_ptr{nullptr};
  writer.on_commit([&history, &stats_model, &outbox_ptr, &channel_ptr](std::uint64_t pos) {
    history.notify(pos);
    stats_model.notify(pos);
    if (auto* o = outbox_ptr.load(std::memory_order_acquire)) o->notify(pos);
    if (auto* c = channel_ptr.load(std::memory_order_acquire)) c->notify(pos);
  });
  writer.on_batch([&stats](const sb::events::batch_stats& b) {
    if (!b.ok) return stats.append_failures_total->Increment(static_cast<double>(b.events));
    stats.events_appended_total->Increment(static_cast<double>(b.events));
    stats.group_commit_batch_events->Observe(static_cast<double>(b.events));
    stats.log_write_seconds->Observe(std::chrono::duration<double>(b.write_time).count());
    for (auto l : *b.request_latencies) stats.append_latency_seconds->Observe(std::chrono::duration<double>(l).count());
  });

  sb::directory dir{*log, writer};
  if (auto s = dir.load(); !s) {
    std::fprintf(stderr, "cannot load the directory: %s\n", s.message().c_str());
    return 1;
  }
  if (!dir.has_workspace()) {
    auto email = f["admin-email"], password = f["admin-password"];
    if (email.empty() || password.size() < 8) {
      std::fprintf(stderr,
                   "this data dir is empty: give the first admin with --admin-email and "
                   "--admin-password (at least 8 bytes), or SWITCHBOARD_ADMIN_EMAIL and "
                   "SWITCHBOARD_ADMIN_PASSWORD\n");
      return 2;
    }
    if (auto s = dir.bootstrap(email, sb::hash_password(password)); !s) {
      std::fprintf(stderr, "cannot create the first workspace: %s\n", s.message().c_str());
      return 1;
    }
    std::fprintf(stderr, "created the first workspace; admin %s\n", email.c_str());
  }

  if (add_workspace) {
    auto email = f["admin-email"], password = f["admin-password"];
    int rc = 0;
    if (email.empty() || password.size() < 8) {
      std::fprintf(stderr, "add-workspace needs --admin-email and --admin-password (at least 8 bytes)\n");
      rc = 2;
    } else if (auto s = dir.bootstrap(email, sb::hash_password(password), f["workspace-name"]); !s) {
      std::fprintf(stderr, "cannot create the workspace: %s\n", s.message().c_str());
      rc = 1;
    } else {
      std::printf("created workspace %s; admin %s\n", dir.user_by_email(email)->workspace_id.c_str(), email.c_str());
    }
    writer.stop();
    history.stop();
    stats_model.stop();
    return rc;
  }

  auto key = sb::http::meta_key(*log, "token_key", sb::token_signer::generate_key);
  if (!key) return 1;
  sb::token_signer tokens{*key};
  std::optional<std::string> secrets_key;
  if (f["secrets-key-file"].empty()) {
    secrets_key = sb::http::meta_key(*log, "secrets_key", sb::vault::generate_key);
  } else if (std::ifstream in{f["secrets-key-file"], std::ios::binary}; in) {
    secrets_key.emplace(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  if (!secrets_key || secrets_key->size() != 32) {
    std::fprintf(stderr, "the secrets key must be 32 bytes (--secrets-key-file, e.g. head -c 32 /dev/urandom)\n");
    return 1;
  }
  sb::vault secrets{*secrets_key};

  sb::events::blocking_pool readers{static_cast<unsigned>(reader_threads)};
  sb::events::blocking_pool crypto{1};
  // Uploads sniff, hash, write and fsync on their own thread, off the I/O threads and the readers.
  sb::events::blocking_pool file_pool{1};
  sb::files::file_store files{*log, writer, file_pool, {f["data-dir"] + "/files", upload_max}};
  if (auto s = files.load(); !s) {
    std::fprintf(stderr, "cannot load the file store: %s\n", s.message().c_str());
    return 1;
  }
  sb::visitors::visitor_directory visitors{*log, writer};
  if (auto s = visitors.load(); !s) {
    std::fprintf(stderr, "cannot load the visitors: %s\n", s.message().c_str());
    return 1;
  }
  sb::bots::flow_directory flows{*log, writer};
  if (auto s = flows.load(); !s) {
    std::fprintf(stderr, "cannot load the bot flows: %s\n", s.message().c_str());
    return 1;
  }
  sb::bots::bot_tokens bot_tokens{*log, writer};
  if (auto s = bot_tokens.load(); !s) {
    std::fprintf(stderr, "cannot load the bot tokens: %s\n", s.message().c_str());
    return 1;
  }
  sb::integrations::ai_settings_store ai_settings{*log, writer, secrets};
  if (auto s = ai_settings.load(); !s) {
    std::fprintf(stderr, "cannot load the AI settings: %s\n", s.message().c_str());
    return 1;
  }
  sb::integrations::instagram_channels instagram{*log, writer, secrets};
  if (auto s = instagram.load(); !s) {
    std::fprintf(stderr, "cannot load the Instagram links: %s\n", s.message().c_str());
    return 1;
  }
  sb::integrations::telegram_channels telegram{*log, writer, secrets};
  if (auto s = telegram.load(); !s) {
    std::fprintf(stderr, "cannot load the Telegram links: %s\n", s.message().c_str());
    return 1;
  }
  sb::integrations::webhook_directory webhooks{*log, writer, secrets};
  if (auto s = webhooks.load(); !s) {
    std::fprintf(stderr, "cannot load the webhooks: %s\n", s.message().c_str());
    return 1;
  }
  sb::integrations::egress_options egress_opts;
  egress_opts.allow_private = f["allow-private-egress"] == "true" || f["allow-private-egress"] == "1";
  egress_opts.request_timeout = std::chrono::milliseconds(egress_timeout);
  sb::integrations::egress_client egress{egress_opts};
  sb::chat_options chat_opts;
  chat_opts.flows = &flows;
  chat_opts.ai_reply = [&egress, &ai_settings](const std::string& ws, const auto& transcript, auto partial, auto done) {
    auto s = ai_settings.settings(ws);
    if (!s) return done("", false, "the workspace has no AI endpoint (PUT /api/v1/ai)");
    sb::integrations::ask_ai(egress, *s, transcript, std::move(partial),
                             [done](sb::integrations::ai_result r) { done(std::move(r.text), r.handoff, std::move(r.error)); });
  };
  chat_opts.call_webhook = sb::integrations::make_flow_webhook_caller(egress, [&stats](bool ok) {
    (ok ? stats.flow_webhooks_ok_total : stats.flow_webhooks_failed_total)->Increment();
  });
  chat_opts.caf_threads = static_cast<unsigned>(actor_threads);
  chat_opts.actor_idle = std::chrono::seconds(idle);
  chat_opts.agent_grace = std::chrono::seconds(agent_grace);
  chat_opts.reopen_window = std::chrono::hours(reopen_hours);
  chat_opts.on_dispatch = [&stats](std::chrono::nanoseconds d) {
    stats.router_dispatch_seconds->Observe(std::chrono::duration<double>(d).count());
  };
  chat_opts.visitor_label = [&visitors](const std::string& ws, const std::string& id) { return visitors.label(ws, id); };
  sb::integrations::webhook_outbox::options outbox_opts;
  outbox_opts.retry_max = std::chrono::seconds(webhook_retry_max);
  outbox_opts.retry_base = std::min<std::chrono::milliseconds>(outbox_opts.retry_base, outbox_opts.retry_max);
  outbox_opts.timeout = std::chrono::milliseconds(egress_timeout);
  outbox_opts.read_limit = [&history] { return history.applied_position(); };
  sb::integrations::webhook_outbox outbox{
      *log, egress, webhooks,
      [&history](const std::string& cid) {
        auto s = history.summary(cid);
        return s ? s->value("workspace_id", std::string()) : std::string();
      },
      outbox_opts,
      {[&stats] { stats.webhooks_delivered_total->Increment(); }, [&stats] { stats.webhooks_failed_total->Increment(); },
       [&stats] { stats.webhooks_retries_total->Increment(); }}};
  outbox_ptr.store(&outbox);
  outbox.start();
  auto chat = std::make_unique<sb::chat_service>(*log, writer, readers, dir, chat_opts);
  chat->restore(sb::http::restorable(history, dir.workspace_ids()), dir.workspace_ids());
  // Channels: Instagram replies and the Telegram relay leave through their own outbox.
  sb::integrations::channel_router channel_router{instagram, telegram, [&history](const std::string& cid) { return history.summary(cid); }};
  sb::integrations::channel_outbox::options channel_opts;
  channel_opts.retry_max = outbox_opts.retry_max;
  channel_opts.retry_base = outbox_opts.retry_base;
  channel_opts.read_limit = outbox_opts.read_limit;
  channel_opts.wanted = [&channel_router] { return channel_router.wanted(); };
  channel_opts.counted = [&stats](bool ok) { (ok ? stats.channel_sends_ok_total : stats.channel_sends_failed_total)->Increment(); };
  sb::integrations::channel_outbox channel_outbox{*log, egress, "channels",
                                                  [&channel_router](const auto& e) { return channel_router.route(e); }, channel_opts};
  channel_ptr.store(&channel_outbox);
  channel_outbox.start();
  sb::integrations::telegram_bridge telegram_bridge{telegram, egress, sb::http::telegram_actions(*chat, dir),
                                                    {std::chrono::seconds(telegram_poll), std::chrono::milliseconds(60000)}};
  telegram_bridge.start();

  std::unique_ptr<sb::visitors::geoip> geo;
  if (f["geoip-db"].empty()) {
    geo = std::make_unique<sb::visitors::geoip>();
  } else {
    std::string geo_error;
    geo = sb::visitors::geoip::open(f["geoip-db"], geo_error);
    if (!geo) {
      std::fprintf(stderr, "--geoip-db: %s\n", geo_error.c_str());
      return 1;
    }
  }

  sb::http::staff_sockets staff;
  sb::http::app app{*log, writer, readers, crypto, *chat, dir, history, tokens, stats, staff, files, {}};
  app.visitors = &visitors;
  app.flows = &flows;
  app.webhooks = &webhooks;
  app.bot_tokens = &bot_tokens;
  app.ai = &ai_settings;
  app.instagram = &instagram;
  app.telegram = &telegram;
  app.telegram_bridge = &telegram_bridge;
  app.outbox = &outbox;
  app.channel_outbox = &channel_outbox;
  app.geo = geo.get();
  app.stats_model = &stats_model;
  sb::http::stats_watchers stats_watch{app};
  app.stats_watch = &stats_watch;
  app.lim.ws_frame_max = frame_max;
  app.lim.ws_backlog_max = backlog;
  app.lim.ws_ping_interval = std::chrono::seconds(ws_ping);
  app.lim.ws_idle_timeout = std::chrono::seconds(ws_idle);
  app.lim.ws_frames_per_second = static_cast<double>(ws_rate);
  app.lim.logins_per_minute = static_cast<double>(login_rate);
  app.lim.visitor_messages_per_second = static_cast<double>(visitor_rate);
  app.lim.visitor_message_burst = static_cast<double>(visitor_burst);
  app.lim.staff_writes_per_second = static_cast<double>(staff_write_rate);
  app.token_ttl = std::chrono::hours(ttl);
  app.web_dir = f["web-dir"];
  for (std::string_view rest = f["trusted-proxies"]; !rest.empty();) {
    auto comma = rest.find(',');
    auto item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) app.trusted_proxies.emplace_back(item);
  }

  sb::http::server server{app, f["http-address"], static_cast<std::uint16_t>(port),
                          static_cast<unsigned>(io_threads)};
  std::string error;
  if (!server.start(error)) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  std::printf("listening on %s:%u\n", f["http-address"].c_str(), server.port());
  std::fflush(stdout);

  int sig = 0;
  sigwait(&signals, &sig);
  std::fprintf(stderr, "signal %d: shutting down\n", sig);
  server.stop();
  file_pool.stop();  // uploads in flight reach the writer, which completes them below
  crypto.stop();
  readers.stop();    // hydrations in flight still reach their (living) actors
  egress.shutdown(); // calls in flight fail (their runs go on; webhooks stay queued); later ones fail at once
  outbox.stop();     // saves the cursors
  outbox_ptr.store(nullptr);
  telegram_bridge.stop();  // no staff reply reaches the chat service from here on
  channel_outbox.stop();
  channel_ptr.store(nullptr);
  writer.stop();     // completes every queued append; their actors are still alive
  chat.reset();      // then stops every actor
  history.stop();
  stats_model.stop();
  return 0;
}
