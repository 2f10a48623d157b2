#pragma once
// Helpers shared by the HTTP API's areas (api_*.cpp): answers, query parsing, bodies,
// min_position waits and rate limits. Beast-free, like the API itself.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/directory.hpp"
#include "http/api.hpp"
#include "http/rate_limiter.hpp"

namespace sb::http {

using query_map = std::unordered_map<std::string, std::string>;

api_response reply(int status, const nlohmann::json& body);
api_response error(errc code, const std::string& message);
api_response error(const failure& f);
std::vector<std::string> split_path(const std::string& path);
query_map parse_query(const std::string& q);
// Non-negative integer query parameter; nullopt if absent; false in `ok` if malformed.
std::optional<std::uint64_t> uint_param(const query_map& q, const char* name, bool& ok);
// Parses a JSON object body; nullopt (and an error response) otherwise.
std::optional<nlohmann::json> object_body(const api_request& req, const respond_fn& respond);
// The client's address for rate limits (X-Forwarded-For only from trusted proxies).
std::string client_ip(const app& a, const api_request& req);
// A read model as min_position waits see it (history, stats).
struct read_model {
  std::function<std::uint64_t()> applied;
  std::function<bool()> healthy;
  std::function<void(std::uint64_t, std::chrono::steady_clock::time_point, std::function<void(bool)>)>
      when_applied;
};
// Answers `fn()` once `m` has applied the query's min_position (bounded wait, then 503).
void after_position(app& a, const read_model& m, const query_map& q, respond_fn respond,
                    std::function<void(respond_fn)> fn);
// The same for the history read model.
void after_min_position(app& a, const query_map& q, respond_fn respond,
                        std::function<void(respond_fn)> fn);
// A directory write's answer: the object plus its position, or the error.
void write_answer(const respond_fn& respond, int status, const write_result& r);

// The areas of /api/v1 (each in its own api_<area>.cpp).
void handle_auth(app& a, const api_request& req, const std::vector<std::string>& parts,
                 respond_fn respond);
void handle_users(app& a, const staff& s, const api_request& req,
                  const std::vector<std::string>& parts, respond_fn respond);
void handle_workspace(app& a, const staff& s, const api_request& req,
                      const std::vector<std::string>& parts, respond_fn respond);
void handle_canned(app& a, const staff& s, const api_request& req,
                   const std::vector<std::string>& parts, respond_fn respond);
void handle_widgets(app& a, const std::optional<staff>& s, const api_request& req,
                    const std::vector<std::string>& parts, respond_fn respond);
void handle_conversations(app& a, const staff& s, const api_request& req,
                          const std::vector<std::string>& parts, respond_fn respond);
void handle_stats(app& a, const staff& s, const api_request& req,
                  const std::vector<std::string>& parts, respond_fn respond);
void handle_visitors(app& a, const staff& s, const api_request& req,
                     const std::vector<std::string>& parts, respond_fn respond);
// Access-Control-Allow-Origin (and Vary) when `req`'s Origin may embed widget `site_key`.
std::vector<std::pair<std::string, std::string>> cors_headers(app& a, const api_request& req,
                                                              const std::string& site_key);
void handle_preflight(app& a, const api_request& req, const std::vector<std::string>& parts,
                      respond_fn respond);
void handle_flows(app& a, const staff& s, const api_request& req,
                  const std::vector<std::string>& parts, respond_fn respond);
void handle_channels(app& a, const staff& s, const api_request& req, const std::vector<std::string>& parts,
                     respond_fn respond);
// Meta's webhook for Instagram (no staff token: the signature authenticates it).
void handle_instagram_hook(app& a, const api_request& req, const std::vector<std::string>& parts, respond_fn respond);
void handle_telegram_hook(app& a, const api_request& req, const std::vector<std::string>& parts, respond_fn respond);
void handle_ai(app& a, const staff& s, const api_request& req, const std::vector<std::string>& parts,
               respond_fn respond);
void handle_bot_tokens(app& a, const staff& s, const api_request& req,
                       const std::vector<std::string>& parts, respond_fn respond);
void handle_webhooks(app& a, const staff& s, const api_request& req,
                     const std::vector<std::string>& parts, respond_fn respond);
void handle_queue(app& a, const staff& s, const api_request& req,
                  const std::vector<std::string>& parts, respond_fn respond);
// /files authenticates its own callers (staff or visitors) and takes raw bodies up to the
// upload cap; `req.body` is moved into the store.
void handle_files(app& a, api_request& req, const std::vector<std::string>& parts,
                  respond_fn respond);
// For the HTTP session, before it reads an upload's body: do these headers name a caller?
bool may_upload(const app& a, const std::string& authorization, const std::string& visitor_token);

// A conversation item's visitor gets the name and email it gave (identify); every conversation
// opens as "Visitor".
void with_visitor(const app& a, const std::string& workspace_id, nlohmann::json& item);

}  // namespace sb::http
