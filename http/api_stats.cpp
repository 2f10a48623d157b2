// /api/v1/stats/* and /visitors: the stats read model and the visitors the workspace has seen.
#include <nlohmann/json.hpp>

#include "actors/tokens.hpp"
#include "actors/visitors/visitor_directory.hpp"
#include "events/group_commit_writer.hpp"
#include "http/api_support.hpp"
#include "projections/stats_projection.hpp"
#include "projections/time_zone.hpp"

namespace sb::http {
namespace {
using json = nlohmann::json;

constexpr std::int64_t kHourMs = 3600 * 1000;
constexpr std::int64_t kMaxRangeMs = 400LL * 24 * kHourMs;  // a bit more than a year

// min_position as for history, on the stats read model.
void after_stats_position(app& a, const query_map& q, respond_fn respond, std::function<void(respond_fn)> fn) {
  auto& m = *a.stats_model;
  read_model view{[&m] { return m.applied_position(); }, [&m] { return m.healthy(); },
                  [&m](std::uint64_t p, auto deadline, auto done) { m.when_applied(p, deadline, std::move(done)); }};
  after_position(a, view, q, std::move(respond), std::move(fn));
}

struct range {
  std::int64_t from = 0, to = 0;
  std::string tz;
};

// from/to (ms; default: the last 30 days up to now), tz (IANA, default UTC).
std::optional<range> parse_range(const query_map& q, std::string& why) {
  range r;
  bool ok = true;
  auto now = unix_ms();
  auto to = uint_param(q, "to", ok), from = uint_param(q, "from", ok);
  if (!ok) return why = "from and to are times in ms since the epoch", std::nullopt;
  r.to = to ? static_cast<std::int64_t>(*to) : now + 1;
  r.from = from ? static_cast<std::int64_t>(*from) : r.to - 30 * 24 * kHourMs;
  if (r.from >= r.to) return why = "from must be before to", std::nullopt;
  if (r.to - r.from > kMaxRangeMs) return why = "a range is at most 400 days", std::nullopt;
  if (auto it = q.find("tz"); it != q.end()) r.tz = it->second;
  if (!r.tz.empty() && !projections::valid_timezone(r.tz)) return why = "tz is not an IANA time zone", std::nullopt;
  return r;
}

}  // namespace

void handle_stats(app& a, const staff& s, const api_request& req, const std::vector<std::string>& parts,
                  respond_fn respond) {
  if (!a.stats_model) return respond(error(errc::unavailable, "no stats read model"));
  if (parts.size() != 4 || req.method != "GET") return respond(error(errc::not_found, "no such endpoint"));
  auto q = parse_query(req.query);
  std::string why;
  auto r = parse_range(q, why);
  if (!r) return respond(error(errc::bad_request, why));
  auto ws = s.who.workspace_id;
  auto& what = parts[3];
  if (what == "overview")
    return after_stats_position(a, q, respond, [&a, ws, r](respond_fn respond) {
      auto online = a.visitors ? a.visitors->online_count(ws) : 0;
      respond(reply(200, a.stats_model->overview(ws, r->from, r->to, r->tz, online, unix_ms())));
    });
  if (what == "timeseries") {
    auto metric = q["metric"], bucket = q.count("bucket") ? q["bucket"] : "hour";
    if (metric != "messages" && metric != "conversations" && metric != "widget_opens" && metric != "visitors")
      return respond(error(errc::bad_request, "metric is messages, conversations, widget_opens or visitors"));
    if (bucket != "hour" && bucket != "day") return respond(error(errc::bad_request, "bucket is hour or day"));
    if (bucket == "hour" && r->to - r->from > 5000 * kHourMs)
      return respond(error(errc::bad_request, "at most 5000 hour buckets; use bucket=day"));
    return after_stats_position(a, q, respond, [&a, ws, r, metric, bucket](respond_fn respond) {
      respond(reply(200, a.stats_model->timeseries(ws, metric, bucket, r->from, r->to, r->tz)));
    });
  }
  if (what == "agents")
    return after_stats_position(a, q, respond, [&a, ws, r](respond_fn respond) {
      auto body = a.stats_model->agents(ws, r->from, r->to);
      body["next_cursor"] = nullptr;
      respond(reply(200, body));
    });
  respond(error(errc::not_found, "no such endpoint"));
}

void handle_visitors(app& a, const staff& s, const api_request& req, const std::vector<std::string>& parts,
                     respond_fn respond) {
  if (!a.visitors) return respond(error(errc::unavailable, "no visitor directory"));
  if (req.method != "GET") return respond(error(errc::not_found, "no such endpoint"));
  auto ws = s.who.workspace_id;
  if (parts.size() == 4) {
    auto v = a.visitors->get(ws, parts[3]);
    if (!v) return respond(error(errc::not_found, "no such visitor"));
    return respond(reply(200, *v));
  }
  if (parts.size() != 3) return respond(error(errc::not_found, "no such endpoint"));
  auto q = parse_query(req.query);
  bool ok = true;
  auto limit = uint_param(q, "limit", ok).value_or(50);
  if (!ok || limit == 0 || limit > 200) return respond(error(errc::bad_request, "limit is 1 to 200"));
  std::optional<bool> online;
  if (auto it = q.find("online"); it != q.end()) {
    if (it->second != "true" && it->second != "false") return respond(error(errc::bad_request, "online is true or false"));
    online = it->second == "true";
  }
  respond(reply(200, a.visitors->list(ws, online, limit, q.count("cursor") ? q["cursor"] : "")));
}

}  // namespace sb::http
