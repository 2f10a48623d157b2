#include "http/flags.hpp"

#include <cstdio>
#include <cstdlib>

namespace sb::http {
namespace {

struct flag {
  const char* name;
  const char* env;
  const char* def;
  const char* help;
};

const flag kFlags[] = {
    {"data-dir", "SWITCHBOARD_DATA_DIR", "./data", "directory of the embedded RocksDB"},
    {"http-address", "SWITCHBOARD_HTTP_ADDRESS", "0.0.0.0", "address to serve HTTP and WebSocket on"},
    {"http-port", "SWITCHBOARD_HTTP_PORT", "8080", "port (0 = any free port; the chosen one is printed)"},
    {"admin-email", "SWITCHBOARD_ADMIN_EMAIL", "", "first admin's email (first start on an empty data dir)"},
    {"admin-password", "SWITCHBOARD_ADMIN_PASSWORD", "", "first admin's password, at least 8 bytes (prefer the env twin)"},
    {"io-threads", "SWITCHBOARD_IO_THREADS", "2", "Asio threads of the edge"},
    {"actor-threads", "SWITCHBOARD_ACTOR_THREADS", "1", "CAF scheduler threads"},
    {"reader-threads", "SWITCHBOARD_READER_THREADS", "2", "threads for blocking RocksDB reads"},
    {"token-ttl-hours", "SWITCHBOARD_TOKEN_TTL_HOURS", "12", "lifetime of staff tokens"},
    {"ws-frame-max", "SWITCHBOARD_WS_FRAME_MAX", "65536", "largest WebSocket frame accepted (bytes; bigger closes 1009)"},
    {"ws-backlog-max", "SWITCHBOARD_WS_BACKLOG_MAX", "1048576", "outbound bytes queued per socket before it is closed with 1008"},
    {"ws-rate", "SWITCHBOARD_WS_RATE", "1000", "frames per second per socket (bursts of twice that)"},
    {"login-rate", "SWITCHBOARD_LOGIN_RATE", "10", "login attempts per minute per IP"},
    {"visitor-rate", "SWITCHBOARD_VISITOR_RATE", "1", "messages per second per visitor, across its sockets (load tests raise it)"},
    {"visitor-burst", "SWITCHBOARD_VISITOR_BURST", "10", "messages a visitor may send at once before --visitor-rate applies"},
    {"staff-write-rate", "SWITCHBOARD_STAFF_WRITE_RATE", "10", "HTTP writes per second per staff token (bursts of 5x)"},
    {"ws-ping-seconds", "SWITCHBOARD_WS_PING_SECONDS", "25", "the server pings every WebSocket this often"},
    {"ws-idle-seconds", "SWITCHBOARD_WS_IDLE_SECONDS", "60", "a WebSocket peer silent this long (no frame, no pong) is dropped"},
    {"trusted-proxies", "SWITCHBOARD_TRUSTED_PROXIES", "", "comma-separated addresses of reverse proxies whose X-Forwarded-For names the client (login rate limits)"},
    {"commit-interval-us", "SWITCHBOARD_COMMIT_INTERVAL_US", "1000", "under load, start an fsync at most this often (0 = back to back; an idle server commits at once)"},
    {"completion-thread", "SWITCHBOARD_COMPLETION_THREAD", "true", "run what follows a durable write (acks, frames, the router's updates) on a thread of its own, so that the log writer's fsyncs follow one another closely (false: on the writer's thread)"},
    {"actor-idle-seconds", "SWITCHBOARD_ACTOR_IDLE_SECONDS", "120", "idle conversation actors stop after this long"},
    {"agent-grace-seconds", "SWITCHBOARD_AGENT_GRACE_SECONDS", "60", "an agent whose sockets all dropped keeps its chats this long, then they go back to the head of the queue"},
    {"reopen-hours", "SWITCHBOARD_REOPEN_HOURS", "24", "a visitor's message reopens its conversation if it closed less than this long ago (0 = always a new one)"},
    {"rebuild-projections", "SWITCHBOARD_REBUILD_PROJECTIONS", "false", "rebuild the read models from position 0 at start"},
    {"workspace-name", "SWITCHBOARD_WORKSPACE_NAME", "Default", "name of the workspace that add-workspace creates"},
    {"geoip-db", "SWITCHBOARD_GEOIP_DB", "", "MaxMind DB (.mmdb, City or Country) for visitors' country and city; empty: \"unknown\""},
    {"web-dir", "SWITCHBOARD_WEB_DIR", SWITCHBOARD_DEFAULT_WEB_DIR, "the built browser apps (web/dist): /widget.js and /console/"},
    {"allow-private-egress", "SWITCHBOARD_ALLOW_PRIVATE_EGRESS", "false", "let bot webhooks and integrations reach private, loopback and link-local addresses (tests, private networks)"},
    {"egress-timeout-ms", "SWITCHBOARD_EGRESS_TIMEOUT_MS", "10000", "whole-request timeout of outbound HTTP calls (bot webhooks)"},
    {"webhook-retry-max-seconds", "SWITCHBOARD_WEBHOOK_RETRY_MAX_SECONDS", "600", "longest wait between two attempts of a failing webhook delivery (the wait doubles from 1 s up to this; attempts go on for a day)"},
    {"telegram-poll-seconds", "SWITCHBOARD_TELEGRAM_POLL_SECONDS", "25", "long-poll timeout of Telegram's getUpdates (polling mode), 1 to 50"},
    {"secrets-key-file", "SWITCHBOARD_SECRETS_KEY_FILE", "", "file holding the 32-byte key that seals stored secrets (webhook secrets); empty: a key kept in the data dir"},
    {"upload-max-bytes", "SWITCHBOARD_UPLOAD_MAX_BYTES", "10485760", "largest file upload (POST /api/v1/files) accepted, in bytes; bigger gets 413"},
};

void usage() {
  std::printf(
      "usage: switchboard [replay | add-workspace] [--flag value ...]\n\n"
      "Self-hosted live chat: HTTP API and WebSocket on one port, storage in RocksDB.\n"
      "  replay        rebuild the read models from the log, then exit\n"
      "  add-workspace create another workspace (tenant) with its admin from --admin-email,\n"
      "                --admin-password and --workspace-name, then exit (server stopped)\n\n"
      "Every flag has an environment twin; a flag given on the command line wins.\n");
  for (auto& f : kFlags)
    std::printf("  --%-22s %s (env %s, default \"%s\")\n", f.name, f.help, f.env, f.def);
  std::printf("  --%-22s %s\n  --%-22s %s\n", "help", "print this and exit", "version",
              "print the version and exit");
}

}  // namespace

bool parse_flags(int argc, char** argv, std::map<std::string, std::string>& out, bool& replay,
                 bool& add_workspace) {
  for (auto& f : kFlags) {
    const char* e = std::getenv(f.env);
    out[f.name] = e ? e : f.def;
  }
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "replay" && i == 1) {
      replay = true;
      continue;
    }
    if (arg == "add-workspace" && i == 1) {
      add_workspace = true;
      continue;
    }
    if (arg == "--help" || arg == "-h") return usage(), std::exit(0), true;
    if (arg == "--version") return std::printf("switchboard 0.1.0\n"), std::exit(0), true;
    if (arg.rfind("--", 0) != 0) return std::fprintf(stderr, "unexpected argument %s\n", arg.c_str()), false;
    auto name = arg.substr(2);
    std::string value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else if (name == "rebuild-projections" || name == "allow-private-egress") {
      value = "true";
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return std::fprintf(stderr, "--%s needs a value\n", name.c_str()), false;
    }
    if (!out.count(name)) return std::fprintf(stderr, "unknown flag --%s (see --help)\n", name.c_str()), false;
    out[name] = value;
  }
  return true;
}

bool to_uint(const std::string& s, unsigned long long max, unsigned long long& out) {
  if (s.empty() || s.size() > 19 || s.find_first_not_of("0123456789") != std::string::npos) return false;
  out = std::stoull(s);
  return out <= max;
}

}  // namespace sb::http
