#include "actors/visitors/business_hours.hpp"

#include <gtest/gtest.h>

namespace sb::visitors {
namespace {
using json = nlohmann::json;

// ms since the epoch of a UTC date and time (Howard Hinnant's days_from_civil).
std::int64_t utc(int y, unsigned m, unsigned d, unsigned hh = 0, unsigned mm = 0, unsigned ss = 0) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  std::int64_t days = std::int64_t{era} * 146097 + static_cast<std::int64_t>(doe) - 719468;
  return ((days * 24 + hh) * 60 + mm) * 60000 + std::int64_t{ss} * 1000;
}

// {timezone, days} with `days` given as JSON text (brace-initialised nlohmann values would turn
// ["09:00","17:00"] into an object).
json hours(const std::string& days, const std::string& tz = "Europe/Berlin") {
  return {{"timezone", tz}, {"days", json::parse(days)}};
}

TEST(BusinessHours, Null_IsAlwaysOpen) {
  EXPECT_TRUE(is_open(nullptr, utc(2024, 7, 1, 3)));
  EXPECT_FALSE(check_business_hours(nullptr));
}

TEST(BusinessHours, ARange_IsOpenFromItsStartUpToItsEnd) {
  // 2024-07-01 is a Monday; Berlin is UTC+2 in summer.
  auto h = hours(R"({"mon": [["09:00", "17:00"]]})");
  ASSERT_FALSE(check_business_hours(h));
  EXPECT_FALSE(is_open(h, utc(2024, 7, 1, 6, 59, 59)));
  EXPECT_TRUE(is_open(h, utc(2024, 7, 1, 7, 0)));
  EXPECT_TRUE(is_open(h, utc(2024, 7, 1, 14, 59, 59)));
  EXPECT_FALSE(is_open(h, utc(2024, 7, 1, 15, 0)));
  EXPECT_FALSE(is_open(h, utc(2024, 7, 2, 8, 0)));  // Tuesday 10:00: no range that day
  EXPECT_TRUE(is_open(h, utc(2024, 7, 8, 8, 0)));   // the next Monday
}

TEST(BusinessHours, SeveralRangesAndTheEndOfTheDay) {
  auto h = hours(R"({"mon": [["00:00", "12:00"], ["13:00", "24:00"]], "tue": []})");
  ASSERT_FALSE(check_business_hours(h));
  EXPECT_TRUE(is_open(h, utc(2024, 6, 30, 22, 0)));      // Monday 00:00 local
  EXPECT_FALSE(is_open(h, utc(2024, 7, 1, 10, 30)));     // 12:30, the lunch break
  EXPECT_TRUE(is_open(h, utc(2024, 7, 1, 11, 0)));       // 13:00
  EXPECT_TRUE(is_open(h, utc(2024, 7, 1, 21, 59, 59)));  // 23:59:59
  EXPECT_FALSE(is_open(h, utc(2024, 7, 1, 22, 0)));      // Tuesday 00:00, an empty day
}

TEST(BusinessHours, ARangeEndingBeforeItStarts_CrossesMidnight) {
  // 2024-07-05 is a Friday.
  auto h = hours(R"({"fri": [["22:00", "02:00"]], "sun": [["23:00", "01:00"]]})");
  ASSERT_FALSE(check_business_hours(h));
  EXPECT_FALSE(is_open(h, utc(2024, 7, 5, 19, 59)));  // Fri 21:59
  EXPECT_TRUE(is_open(h, utc(2024, 7, 5, 20, 0)));    // Fri 22:00
  EXPECT_TRUE(is_open(h, utc(2024, 7, 5, 23, 59)));   // Sat 01:59
  EXPECT_FALSE(is_open(h, utc(2024, 7, 6, 0, 0)));    // Sat 02:00
  EXPECT_FALSE(is_open(h, utc(2024, 7, 6, 23, 30)));  // Sun 01:30: Saturday has no range
  EXPECT_TRUE(is_open(h, utc(2024, 7, 7, 22, 30)));   // Mon 00:30, from Sunday's range
  EXPECT_FALSE(is_open(h, utc(2024, 7, 7, 23, 0)));   // Mon 01:00
}

TEST(BusinessHours, DaylightSavingSwitchDaysInBerlin_FollowTheWallClock) {
  // Clocks go forward on Sunday 2024-03-31 at 02:00 CET (01:00 UTC) to 03:00 CEST.
  auto h = hours(R"({"sat": [["09:00", "17:00"]], "sun": [["09:00", "17:00"]]})");
  EXPECT_FALSE(is_open(h, utc(2024, 3, 30, 7, 30)));  // Sat 08:30 CET
  EXPECT_TRUE(is_open(h, utc(2024, 3, 30, 8, 0)));    // Sat 09:00 CET
  EXPECT_FALSE(is_open(h, utc(2024, 3, 31, 6, 59)));  // Sun 08:59 CEST
  EXPECT_TRUE(is_open(h, utc(2024, 3, 31, 7, 0)));    // Sun 09:00 CEST: an hour earlier in UTC
  EXPECT_FALSE(is_open(h, utc(2024, 3, 31, 15, 0)));  // Sun 17:00 CEST
  // The skipped hour never happens...
  auto skipped = hours(R"({"sun": [["02:00", "03:00"]]})");
  EXPECT_FALSE(is_open(skipped, utc(2024, 3, 31, 0, 59, 59)));  // 01:59:59 CET
  EXPECT_FALSE(is_open(skipped, utc(2024, 3, 31, 1, 0)));       // 03:00 CEST
  // ...and on Sunday 2024-10-27 (03:00 CEST -> 02:00 CET at 01:00 UTC) the repeated one twice.
  EXPECT_FALSE(is_open(skipped, utc(2024, 10, 26, 23, 59)));  // 01:59 CEST
  EXPECT_TRUE(is_open(skipped, utc(2024, 10, 27, 0, 30)));    // 02:30 CEST
  EXPECT_TRUE(is_open(skipped, utc(2024, 10, 27, 1, 30)));    // 02:30 CET
  EXPECT_FALSE(is_open(skipped, utc(2024, 10, 27, 2, 0)));    // 03:00 CET
}

TEST(BusinessHours, OtherTimeZones_AreTheirOwnWallClock) {
  auto h = hours(R"({"mon": [["09:00", "17:00"]]})", "America/New_York");  // UTC-4 in July
  EXPECT_FALSE(is_open(h, utc(2024, 7, 1, 12, 59)));
  EXPECT_TRUE(is_open(h, utc(2024, 7, 1, 13, 0)));
  EXPECT_TRUE(is_open(hours(R"({"mon": [["09:00", "17:00"]]})", "UTC"), utc(2024, 7, 1, 9, 0)));
}

TEST(BusinessHours, UnknownTimeZones_AreRefused) {
  for (json tz : {json("Mars/Olympus_Mons"), json("Europe/Berlinn"), json(""),
                  json("../../etc/passwd"), json(5), json(nullptr), json(std::string(100, 'A'))}) {
    auto h = json{{"timezone", tz}, {"days", json::object()}};
    auto f = check_business_hours(h);
    ASSERT_TRUE(f) << tz.dump();
    EXPECT_EQ(f->code, errc::bad_request);
    EXPECT_NE(f->message.find("time zone"), std::string::npos) << f->message;
    // a stored value the OS database no longer knows fails open
    EXPECT_TRUE(is_open(h, utc(2024, 7, 1, 12)));
  }
  EXPECT_FALSE(check_business_hours(hours("{}", "America/Argentina/Buenos_Aires")));
  EXPECT_FALSE(check_business_hours(hours("{}", "UTC")));
}

TEST(BusinessHours, MalformedShapes_AreRefused) {
  for (json h :
       {json::array(), json("always"), json(1), json{{"timezone", "Europe/Berlin"}}, hours("[]"),
        hours(R"({"monday": [["09:00", "17:00"]]})"), hours(R"({"mon": "09:00-17:00"})"),
        hours(R"({"mon": ["09:00", "17:00"]})"), hours(R"({"mon": [["09:00", "12:00", "17:00"]]})"),
        hours(R"({"mon": [["9:00", "17:00"]]})"), hours(R"({"mon": [["09:00", "25:00"]]})"),
        hours(R"({"mon": [["09:60", "17:00"]]})"), hours(R"({"mon": [["24:00", "02:00"]]})"),
        hours(R"({"mon": [["09:00", "09:00"]]})"), hours(R"({"mon": [[900, 1700]]})")}) {
    auto f = check_business_hours(h);
    ASSERT_TRUE(f) << h.dump();
    EXPECT_EQ(f->code, errc::bad_request);
    EXPECT_EQ(f->message.rfind("business_hours: ", 0), 0u) << f->message;
  }
}

TEST(BusinessHours, MalformedRangesInAStoredValue_AreSkipped) {
  auto h = hours(R"({"mon": [["09:00", "09:00"], ["bad"], ["10:00", "11:00"]], "funday": 3})");
  EXPECT_FALSE(is_open(h, utc(2024, 7, 1, 7, 30)));  // 09:30: only the empty range covers it
  EXPECT_TRUE(is_open(h, utc(2024, 7, 1, 8, 30)));   // 10:30
}

}  // namespace
}  // namespace sb::visitors
