// The reads of the stats fold: that any range counts each hour once across the rollups, and how
// time series and time zones (local midnight, DST days, half-hour zones) cut days.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "projections/time_zone.hpp"
#include "tests/projections/stats_fold_fixture.hpp"

namespace sb::projections {
namespace {
using json = nlohmann::json;

// ---- ranges over hours and rollups ----

TEST_F(StatsFold, AnyRange_CountsWhatABruteForceCountOfItsEventsGives) {
  // Ranges are answered from hours and 6-hour, day and 8-day rollups: each hour once.
  std::mt19937_64 rng{1};
  struct seen_event {
    std::int64_t ts;
    std::string vid;
  };
  std::vector<std::int64_t> opened, widget, visitor_msgs;
  std::vector<seen_event> seen_events;
  const std::int64_t start = utc(2024, 1, 1);
  for (int i = 0; i < 3'000; ++i) {
    std::int64_t ts = start + static_cast<std::int64_t>(rng() % (20 * kDay));
    auto vid = "vi_" + std::to_string(rng() % 300);
    switch (rng() % 4) {
      case 0: {
        auto cid = "cv_" + std::to_string(i);
        open(cid, vid, ts);
        opened.push_back(ts);
        post(cid, "visitor", vid, ts + 1);
        visitor_msgs.push_back(ts + 1);
        break;
      }
      case 1:
        visitor("widget_opened", vid, {{"ts", ts}});
        widget.push_back(ts);
        break;
      default:
        seen(vid, ts);
        seen_events.push_back({ts, vid});
    }
  }
  for (int r = 0; r < 200; ++r) {
    auto from = start - kDay + static_cast<std::int64_t>(rng() % (22 * kDay));
    auto to = from + static_cast<std::int64_t>(rng() % (21 * kDay));
    if (r % 2) from = from / kHour * kHour;
    // the hour buckets the range overlaps
    auto first = from / kHour * kHour;
    auto end = (to + kHour - 1) / kHour * kHour;
    auto in = [&](std::int64_t ts) { return ts >= first && ts < end; };
    auto count = [&](const std::vector<std::int64_t>& v) {
      return static_cast<std::int64_t>(std::count_if(v.begin(), v.end(), in));
    };
    std::set<std::string> distinct;
    for (auto& e : seen_events)
      if (in(e.ts)) distinct.insert(e.vid);
    auto o = overview(from, to);
    ASSERT_EQ(o["conversations"], count(opened)) << "range " << from << ".." << to;
    ASSERT_EQ(o["widget_opens"], count(widget)) << "range " << from << ".." << to;
    ASSERT_EQ(o["messages"]["visitor"], count(visitor_msgs)) << "range " << from << ".." << to;
    ASSERT_EQ(o["visitors"], distinct.size()) << "range " << from << ".." << to;
  }
}

// ---- local days ----

TEST_F(StatsFold, VisitorsToday_CountsDistinctVisitorsSinceLocalMidnightOfNow) {
  auto now = utc(2024, 1, 15, 12);
  seen("vi_1", utc(2024, 1, 14, 22, 30));  // 23:30 in Berlin, yesterday
  seen("vi_2", utc(2024, 1, 14, 23, 30));  // 00:30 in Berlin, today
  seen("vi_3", utc(2024, 1, 15, 11));
  seen("vi_3", utc(2024, 1, 15, 11, 5));
  EXPECT_EQ(overview(0, 1, now, "")["visitors_today"], 1);
  EXPECT_EQ(overview(0, 1, now, "Europe/Berlin")["visitors_today"], 2);
  EXPECT_EQ(overview(0, 1, now, "America/New_York")["visitors_today"], 1);  // since 05:00 UTC
  EXPECT_EQ(overview(0, 1, utc(2024, 1, 14, 23, 45), "Europe/Berlin")["visitors_today"], 1);
}

// ---- time series and time zones ----

TEST_F(StatsFold, HourlySeries_ListEveryHourOfTheRangeWithEmptyHoursAsZero) {
  open("cv_1", "vi_1", t0);
  post("cv_1", "visitor", "vi_1", t0 + 5);
  post("cv_1", "visitor", "vi_1", t0 + 2 * kHour);
  auto s = fold.timeseries(ws, "messages", "hour", t0, t0 + 4 * kHour, "");
  EXPECT_EQ(s["metric"], "messages");
  EXPECT_EQ(s["bucket"], "hour");
  EXPECT_EQ(values(s), (std::vector<std::int64_t>{1, 0, 1, 0}));
  EXPECT_EQ(stamps(s), (std::vector<std::int64_t>{t0, t0 + kHour, t0 + 2 * kHour, t0 + 3 * kHour}));
}

TEST_F(StatsFold, DailySeries_OfVisitors_CountsDistinctVisitorsPerDay) {
  seen("vi_1", t0);
  seen("vi_1", t0 + kHour);
  seen("vi_2", t0 + 2 * kHour);
  seen("vi_1", t0 + kDay);
  auto day = utc(2024, 1, 15);
  auto s = fold.timeseries(ws, "visitors", "day", day, day + 3 * kDay, "");
  EXPECT_EQ(values(s), (std::vector<std::int64_t>{2, 1, 0}));
  EXPECT_EQ(stamps(s), (std::vector<std::int64_t>{day, day + kDay, day + 2 * kDay}));
}

TEST_F(StatsFold, DailySeries_InBerlin_StartAtLocalMidnight) {
  visitor("widget_opened", "vi_1", {{"ts", utc(2024, 1, 15, 22, 30)}});  // 23:30 local, the 15th
  visitor("widget_opened", "vi_1", {{"ts", utc(2024, 1, 15, 23, 30)}});  // 00:30 local, the 16th
  auto s = fold.timeseries(ws, "widget_opens", "day", utc(2024, 1, 15), utc(2024, 1, 17),
                           "Europe/Berlin");
  EXPECT_EQ(stamps(s), (std::vector<std::int64_t>{utc(2024, 1, 14, 23), utc(2024, 1, 15, 23),
                                                  utc(2024, 1, 16, 23)}));
  EXPECT_EQ(values(s), (std::vector<std::int64_t>{1, 1, 0}));
}

TEST_F(StatsFold, DailySeries_OnBerlinsSpringForwardDay_Cover23Hours) {
  // 2024-03-31: clocks go from 02:00 to 03:00 local; the day runs 23:00Z (30th) to 22:00Z.
  visitor("widget_opened", "vi_1", {{"ts", utc(2024, 3, 30, 23, 10)}});  // the 31st
  visitor("widget_opened", "vi_1", {{"ts", utc(2024, 3, 31, 21, 50)}});  // the 31st, 23:50 local
  visitor("widget_opened", "vi_1", {{"ts", utc(2024, 3, 31, 22, 10)}});  // April 1st, 00:10 local
  auto s = fold.timeseries(ws, "widget_opens", "day", utc(2024, 3, 30, 23), utc(2024, 4, 1, 22),
                           "Europe/Berlin");
  EXPECT_EQ(stamps(s), (std::vector<std::int64_t>{utc(2024, 3, 30, 23), utc(2024, 3, 31, 22)}));
  EXPECT_EQ(values(s), (std::vector<std::int64_t>{2, 1}));
}

TEST_F(StatsFold, DailySeries_OnBerlinsFallBackDay_Cover25Hours) {
  // 2024-10-27: clocks go from 03:00 back to 02:00; the day runs 22:00Z (26th) to 23:00Z.
  visitor("widget_opened", "vi_1", {{"ts", utc(2024, 10, 26, 22, 10)}});
  visitor("widget_opened", "vi_1", {{"ts", utc(2024, 10, 27, 22, 50)}});  // 23:50 local
  visitor("widget_opened", "vi_1", {{"ts", utc(2024, 10, 27, 23, 10)}});  // the 28th
  auto s = fold.timeseries(ws, "widget_opens", "day", utc(2024, 10, 26, 22), utc(2024, 10, 28, 23),
                           "Europe/Berlin");
  EXPECT_EQ(stamps(s), (std::vector<std::int64_t>{utc(2024, 10, 26, 22), utc(2024, 10, 27, 23)}));
  EXPECT_EQ(values(s), (std::vector<std::int64_t>{2, 1}));
}

TEST_F(StatsFold, DailySeries_InNewYork_FollowLocalMidnightAcrossTheDstChange) {
  // 2024-03-10: EST (UTC-5) becomes EDT (UTC-4) at 02:00 local.
  visitor("widget_opened", "vi_1", {{"ts", utc(2024, 3, 10, 4, 30)}});  // 23:30 EST, the 9th
  visitor("widget_opened", "vi_1", {{"ts", utc(2024, 3, 10, 5, 30)}});  // 00:30 EST, the 10th
  visitor("widget_opened", "vi_1", {{"ts", utc(2024, 3, 11, 3, 30)}});  // 23:30 EDT, the 10th
  visitor("widget_opened", "vi_1", {{"ts", utc(2024, 3, 11, 4, 30)}});  // 00:30 EDT, the 11th
  auto s = fold.timeseries(ws, "widget_opens", "day", utc(2024, 3, 9, 5), utc(2024, 3, 12, 4),
                           "America/New_York");
  EXPECT_EQ(stamps(s), (std::vector<std::int64_t>{utc(2024, 3, 9, 5), utc(2024, 3, 10, 5),
                                                  utc(2024, 3, 11, 4)}));
  EXPECT_EQ(values(s), (std::vector<std::int64_t>{1, 2, 1}));
}

TEST_F(StatsFold, DailySeries_InKolkata_RoundTheHalfHourMidnightDownToItsHourBucket) {
  // Documented behaviour: IST is UTC+5:30, midnight is 18:30Z; a day covers the hour buckets
  // 18:00Z-18:00Z, so 18:10Z (23:40 local, the 15th) already counts on the 16th.
  visitor("widget_opened", "vi_1", {{"ts", utc(2024, 1, 15, 17, 50)}});  // 23:20 local, the 15th
  visitor("widget_opened", "vi_1", {{"ts", utc(2024, 1, 15, 18, 10)}});  // 23:40 local, the 15th
  visitor("widget_opened", "vi_1", {{"ts", utc(2024, 1, 15, 18, 40)}});  // 00:10 local, the 16th
  auto s = fold.timeseries(ws, "widget_opens", "day", utc(2024, 1, 14, 18, 30),
                           utc(2024, 1, 16, 18, 30), "Asia/Kolkata");
  EXPECT_EQ(stamps(s),
            (std::vector<std::int64_t>{utc(2024, 1, 14, 18, 30), utc(2024, 1, 15, 18, 30)}));
  EXPECT_EQ(values(s), (std::vector<std::int64_t>{1, 2}));
}

TEST_F(StatsFold, Series_AreCappedAt5000Items) {
  auto s = fold.timeseries(ws, "messages", "hour", t0, t0 + 10'000 * kHour, "");
  EXPECT_EQ(s["items"].size(), kTimeseriesMaxItems);
  EXPECT_EQ(s["items"].back()["ts"], t0 + 4'999 * kHour);
}

TEST(StatsTimeZone, ValidNamesAreKnownAndOffsetsFollowDst) {
  EXPECT_TRUE(valid_timezone(""));
  EXPECT_TRUE(valid_timezone("Europe/Berlin"));
  EXPECT_TRUE(valid_timezone("UTC"));
  EXPECT_FALSE(valid_timezone("Mars/Olympus_Mons"));
  EXPECT_FALSE(valid_timezone("../../etc/passwd"));
  EXPECT_EQ(utc_offset_ms("Europe/Berlin", utc(2024, 1, 15)), kHour);
  EXPECT_EQ(utc_offset_ms("Europe/Berlin", utc(2024, 7, 15)), 2 * kHour);
  EXPECT_EQ(utc_offset_ms("Asia/Kolkata", utc(2024, 7, 15)), 5 * kHour + 30 * kMinute);
  EXPECT_EQ(utc_offset_ms("", utc(2024, 7, 15)), 0);
  EXPECT_EQ(utc_offset_ms("Nowhere/Else", 0), std::nullopt);
}

}  // namespace
}  // namespace sb::projections
