#pragma once
// The fixture of the stats fold tests (stats_fold_test, stats_read_test, stats_sketch_test):
// one stats_fold and helpers that append the events of one workspace, plus utc() for civil
// times. Tests run on the gtest thread only. It is in a named namespace so that the test files
// share one StatsFold type (gtest requires it for tests of the same suite).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "projections/stats_fold.hpp"

namespace sb::projections {

inline constexpr std::int64_t kMinute = 60'000;
inline constexpr std::int64_t kHour = 3'600'000;
inline constexpr std::int64_t kDay = 24 * kHour;

// ms since the epoch of a UTC civil time (Hinnant's days_from_civil).
inline std::int64_t utc(int y, unsigned m, unsigned d, int hh = 0, int mm = 0) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  std::int64_t days =
      static_cast<std::int64_t>(era) * 146097 + static_cast<std::int64_t>(doe) - 719468;
  return days * kDay + hh * kHour + mm * kMinute;
}

class StatsFold : public ::testing::Test {
 protected:
  using json = nlohmann::json;

  void conversation(const std::string& type, const std::string& cid, json data) {
    fold.apply({type, 1, "conversation/" + cid, 0, 0, 0, data.dump()});
  }
  void visitor(const std::string& type, const std::string& vid, json data) {
    data["visitor_id"] = vid;
    data["workspace_id"] = ws;
    fold.apply({type, 1, "visitor/" + vid, 0, 0, 0, data.dump()});
  }
  void open(const std::string& cid, const std::string& vid, std::int64_t ts,
            const std::string& channel = "") {
    json d = {{"conversation_id", cid},
              {"workspace_id", ws},
              {"site_key", "wk_1"},
              {"visitor", {{"kind", "visitor"}, {"id", vid}, {"name", "V"}}},
              {"ts", ts}};
    if (!channel.empty()) d["channel"] = channel;
    conversation("conversation_opened", cid, d);
  }
  void post(const std::string& cid, const std::string& kind, const std::string& id, std::int64_t ts,
            bool is_private = false) {
    json d = {{"conversation_id", cid},
              {"seq", ++seq},
              {"ts", ts},
              {"client_msg_id", "m" + std::to_string(seq)},
              {"sender", {{"kind", kind}, {"id", id}, {"name", "Name of " + id}}},
              {"text", "hello"},
              {"attachments", json::array()}};
    if (is_private) d["private"] = true;
    conversation("message_posted", cid, d);
  }
  void status(const std::string& cid, const std::string& status, const std::string& agent,
              std::int64_t ts) {
    json a = agent.empty() ? json(nullptr) : json{{"id", agent}, {"name", "Name of " + agent}};
    conversation("status_changed", cid,
                 {{"conversation_id", cid},
                  {"seq", ++seq},
                  {"ts", ts},
                  {"status", status},
                  {"agent", a},
                  {"queue_position", nullptr}});
  }
  void seen(const std::string& vid, std::int64_t ts, const std::string& country = "DE") {
    visitor("visitor_seen", vid,
            {{"site_key", "wk_1"},
             {"ts", ts},
             {"country", country},
             {"city", ""},
             {"page_url", "https://example.com/"}});
  }
  json overview(std::int64_t from, std::int64_t to, std::int64_t now = 0,
                const std::string& tz = "") {
    return fold.overview(ws, from, to, tz, 0, now);
  }
  // The values of a timeseries, in order.
  std::vector<std::int64_t> values(const json& series) {
    std::vector<std::int64_t> out;
    for (auto& item : series["items"]) out.push_back(item["value"].get<std::int64_t>());
    return out;
  }
  std::vector<std::int64_t> stamps(const json& series) {
    std::vector<std::int64_t> out;
    for (auto& item : series["items"]) out.push_back(item["ts"].get<std::int64_t>());
    return out;
  }

  stats_fold fold;
  std::string ws = "ws_1";
  std::uint64_t seq = 0;
  const std::int64_t t0 = utc(2024, 1, 15, 10);  // a Monday, 10:00 UTC
};

}  // namespace sb::projections
