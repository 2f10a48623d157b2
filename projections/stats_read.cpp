// The reads of the stats fold: overview, timeseries and agents, each a merge of the hour
// buckets and rollups that cover its range.
#include "projections/stats_fold.hpp"

#include <algorithm>
#include <map>
#include <utility>
#include <vector>

#include "projections/time_zone.hpp"

namespace sb::projections {
namespace {
using json = nlohmann::json;

json percentiles(const duration_histogram& h, std::initializer_list<int> pcts) {
  json out = json::object();
  for (int p : pcts) {
    auto v = h.percentile(p);
    out["p" + std::to_string(p)] = v ? json(*v) : json(nullptr);
  }
  return out;
}
}  // namespace

template <typename F>
void stats_fold::visit(const workspace_stats& ws, std::int64_t first_hour, std::int64_t end_hour,
                       F&& f, std::size_t level) const {
  if (end_hour <= first_hour) return;
  auto span = kLevelHours[level];
  auto first = ceil_div(first_hour, span);
  auto end = floor_div(end_hour, span);
  if (level > 0 && first >= end) return visit(ws, first_hour, end_hour, f, level - 1);
  if (level > 0) visit(ws, first_hour, first * span, f, level - 1);
  auto& blocks = ws.levels[level];
  for (auto it = blocks.lower_bound(first); it != blocks.end() && it->first < end; ++it)
    f(it->second);
  if (level > 0) visit(ws, end * span, end_hour, f, level - 1);
}

// ---- reads ----

json stats_fold::overview(const std::string& workspace_id, std::int64_t from_ms, std::int64_t to_ms,
                          const std::string& tz, std::uint64_t online_visitors,
                          std::int64_t now_ms) const {
  stats_bucket sum;
  std::uint64_t today = 0;
  if (auto it = workspaces_.find(workspace_id); it != workspaces_.end()) {
    auto& ws = it->second;
    visit(ws, hour_of(from_ms), ceil_div(to_ms, kHourMs), [&](const stats_bucket& b) {
      sum.widget_opens += b.widget_opens;
      sum.conversations += b.conversations;
      sum.visitor_messages += b.visitor_messages;
      sum.agent_messages += b.agent_messages;
      sum.bot_messages += b.bot_messages;
      sum.sessions += b.sessions;
      sum.visitors.merge(b.visitors);
      sum.converted.merge(b.converted);
      for (auto& [c, s] : b.countries) sum.countries[c].merge(s);
      for (auto& [c, n] : b.channels) sum.channels[c] += n;
      sum.first_response.merge(b.first_response);
      sum.resolution.merge(b.resolution);
    });
    // For a :30/:45 zone the local midnight falls inside an hour bucket: the day starts with
    // that whole bucket (as the day buckets of timeseries() do).
    distinct_sketch since_midnight;
    auto midnight = local_day_ms(tz, now_ms).first;
    visit(ws, hour_of(midnight), hour_of(now_ms) + 1,
          [&](const stats_bucket& b) { since_midnight.merge(b.visitors); });
    today = since_midnight.count();
  }
  auto visitors = sum.visitors.count();
  auto converted = sum.converted.count();
  double conversion =
      visitors == 0 ? 0.0 : std::min(1.0, static_cast<double>(converted) / visitors);
  json by_channel = json::object();
  for (auto& [c, n] : sum.channels) by_channel[c] = n;
  json by_country = json::object();
  for (auto& [c, s] : sum.countries) by_country[c] = s.count();
  return {{"visitors", visitors},
          {"visitors_today", today},
          {"online_visitors", online_visitors},
          {"widget_opens", sum.widget_opens},
          {"conversations", sum.conversations},
          {"messages",
           {{"visitor", sum.visitor_messages},
            {"agent", sum.agent_messages},
            {"bot", sum.bot_messages}}},
          {"sessions", sum.sessions},
          {"conversion_rate", conversion},
          {"first_response_ms", percentiles(sum.first_response, {50, 90})},
          {"resolution_ms", percentiles(sum.resolution, {50, 90})},
          {"by_channel", by_channel},
          {"by_country", by_country}};
}

json stats_fold::timeseries(const std::string& workspace_id, const std::string& metric,
                            const std::string& bucket, std::int64_t from_ms, std::int64_t to_ms,
                            const std::string& tz) const {
  const workspace_stats* ws = nullptr;
  if (auto it = workspaces_.find(workspace_id); it != workspaces_.end()) ws = &it->second;
  // The value of `metric` over hours [first, end).
  auto value = [&](std::int64_t first_hour, std::int64_t end_hour) -> std::uint64_t {
    if (!ws) return 0;
    std::uint64_t n = 0;
    distinct_sketch distinct;
    visit(*ws, first_hour, end_hour, [&](const stats_bucket& b) {
      if (metric == "messages")
        n += b.visitor_messages + b.agent_messages + b.bot_messages;
      else if (metric == "conversations")
        n += b.conversations;
      else if (metric == "widget_opens")
        n += b.widget_opens;
      else if (metric == "visitors")
        distinct.merge(b.visitors);
    });
    return metric == "visitors" ? distinct.count() : n;
  };
  json items = json::array();
  if (bucket == "day") {
    // A local day is the hour buckets from the one holding its local midnight to the one
    // holding the next. For whole-hour zones that is exact, DST days included (23 or 25
    // hours). For :30/:45 zones (Asia/Kolkata, Asia/Kathmandu) the day boundary is rounded
    // down to the containing hour: a Kolkata day (midnight = 18:30 UTC) covers 18:00-18:00
    // UTC, so 18:00-18:30 UTC (23:30-24:00 local) counts in the next day. ts stays the exact
    // local midnight.
    auto day = local_day_ms(tz, from_ms);
    while (day.first < to_ms && items.size() < kTimeseriesMaxItems) {
      items.push_back(
          {{"ts", day.first}, {"value", value(hour_of(day.first), hour_of(day.second))}});
      auto next = local_day_ms(tz, day.second);
      if (next.first <= day.first) break;  // never loop on a broken zone
      day = next;
    }
  } else {
    for (auto h = hour_of(from_ms); h * kHourMs < to_ms && items.size() < kTimeseriesMaxItems; ++h)
      items.push_back({{"ts", h * kHourMs}, {"value", value(h, h + 1)}});
  }
  return {{"metric", metric}, {"bucket", bucket == "day" ? "day" : "hour"}, {"items", items}};
}

json stats_fold::agents(const std::string& workspace_id, std::int64_t from_ms,
                        std::int64_t to_ms) const {
  json items = json::array();
  auto it = workspaces_.find(workspace_id);
  if (it == workspaces_.end()) return {{"items", items}};
  auto& ws = it->second;
  std::map<std::string, agent_stats, std::less<>> sum;
  visit(ws, hour_of(from_ms), ceil_div(to_ms, kHourMs), [&](const stats_bucket& b) {
    for (auto& [id, a] : b.agents) sum[id].merge(a);
  });
  std::vector<std::pair<const std::string*, const agent_stats*>> rows;
  for (auto& [id, a] : sum) rows.emplace_back(&id, &a);
  std::stable_sort(rows.begin(), rows.end(), [](auto& x, auto& y) {
    if (x.second->conversations != y.second->conversations)
      return x.second->conversations > y.second->conversations;
    return x.second->messages > y.second->messages;
  });
  for (auto& [id, a] : rows) {
    auto name = ws.agent_names.find(*id);
    items.push_back({{"user_id", *id},
                     {"name", name != ws.agent_names.end() ? name->second : std::string{}},
                     {"conversations", a->conversations},
                     {"messages", a->messages},
                     {"first_response_ms", percentiles(a->first_response, {50})},
                     {"resolution_ms", percentiles(a->resolution, {50})}});
  }
  return {{"items", items}};
}

}  // namespace sb::projections
