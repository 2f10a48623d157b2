#include "actors/visitors/business_hours.hpp"

#include <array>
#include <string>
#include <string_view>

#include "projections/time_zone.hpp"

namespace sb::visitors {
namespace {
using json = nlohmann::json;

constexpr std::int64_t kMinuteMs = 60'000;
constexpr std::int64_t kDayMs = 86'400'000;
constexpr int kDayMinutes = 24 * 60;
// Indexed by days since a Sunday; the epoch (1970-01-01) was a Thursday.
constexpr std::array<const char*, 7> kDays = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

// "HH:MM" -> minutes since midnight; 24:00 -> 1440; -1 when malformed.
int parse_hhmm(const json& j) {
  if (!j.is_string()) return -1;
  auto& s = j.get_ref<const std::string&>();
  if (s.size() != 5 || s[2] != ':') return -1;
  for (int i : {0, 1, 3, 4})
    if (s[i] < '0' || s[i] > '9') return -1;
  int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
  if (h == 24 && m == 0) return kDayMinutes;
  if (h > 23 || m > 59) return -1;
  return h * 60 + m;
}

// Whether `ranges` (one day's list) holds `minute` of that day (ranges crossing midnight
// count up to midnight), or with `spill`, `minute` of the next day (only those crossing it).
bool day_holds(const json& days, const char* day, int minute, bool spill) {
  auto it = days.find(day);
  if (it == days.end() || !it->is_array()) return false;
  for (auto& r : *it) {
    if (!r.is_array() || r.size() != 2) continue;
    int start = parse_hhmm(r[0]), end = parse_hhmm(r[1]);
    if (start < 0 || end < 0 || start == end || start == kDayMinutes) continue;  // malformed
    if (spill) {
      if (end < start && minute < end) return true;
    } else if (end > start ? (minute >= start && minute < end) : minute >= start) {
      return true;
    }
  }
  return false;
}

}  // namespace

bool is_open(const json& h, std::int64_t now_ms) {
  // Fail open on what we cannot judge (see the header); single bad ranges are skipped below.
  if (!h.is_object()) return true;
  auto tz = h.find("timezone");
  auto days_it = h.find("days");
  if (tz == h.end() || !tz->is_string() || tz->get_ref<const std::string&>().empty() ||
      days_it == h.end() || !days_it->is_object())
    return true;
  auto offset = projections::utc_offset_ms(tz->get<std::string>(), now_ms);
  if (!offset) return true;
  std::int64_t local = now_ms + *offset;
  std::int64_t day = local >= 0 ? local / kDayMs : -((-local + kDayMs - 1) / kDayMs);
  int minute = static_cast<int>((local - day * kDayMs) / kMinuteMs);
  int weekday = static_cast<int>(((day + 4) % 7 + 7) % 7);
  auto& days = *days_it;
  return day_holds(days, kDays[weekday], minute, false) ||
         day_holds(days, kDays[(weekday + 6) % 7], minute, true);
}

std::optional<failure> check_business_hours(const json& h) {
  auto bad = [](std::string m) {
    return failure{errc::bad_request, "business_hours: " + std::move(m)};
  };
  if (h.is_null()) return std::nullopt;
  if (!h.is_object()) return bad("must be null (always open) or {timezone, days}");
  auto tz = h.find("timezone");
  if (tz == h.end() || !tz->is_string() || tz->get_ref<const std::string&>().empty() ||
      tz->get_ref<const std::string&>().size() > 64)
    return bad("timezone must be an IANA time zone name such as \"Europe/Berlin\"");
  if (!projections::valid_timezone(tz->get<std::string>()))
    return bad("unknown time zone \"" + tz->get<std::string>() +
               "\" (use an IANA name such as \"Europe/Berlin\")");
  auto days = h.find("days");
  if (days == h.end() || !days->is_object())
    return bad("days must be an object like {\"mon\": [[\"09:00\",\"17:00\"]]}");
  for (auto& [day, ranges] : days->items()) {
    bool known = false;
    for (auto* d : kDays) known = known || day == d;
    if (!known) return bad("unknown day \"" + day + "\" (use mon, tue, wed, thu, fri, sat, sun)");
    if (!ranges.is_array() || ranges.size() > 24)
      return bad("days." + day + " must be a list of at most 24 [\"HH:MM\",\"HH:MM\"] ranges");
    for (auto& r : ranges) {
      if (!r.is_array() || r.size() != 2)
        return bad("days." + day + " holds [\"HH:MM\",\"HH:MM\"] ranges");
      int start = parse_hhmm(r[0]), end = parse_hhmm(r[1]);
      if (start < 0 || end < 0)
        return bad("days." + day + ": times are \"HH:MM\" from 00:00 to 23:59, or 24:00 as an end");
      if (start == kDayMinutes) return bad("days." + day + ": 24:00 is only allowed as an end");
      if (start == end) return bad("days." + day + ": a range must not end where it starts");
    }
  }
  return std::nullopt;
}

}  // namespace sb::visitors
