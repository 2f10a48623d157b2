#include "projections/time_zone.hpp"

#include <chrono>
#include <exception>

#include <date/tz.h>

namespace sb::projections {
namespace {
using ms = std::chrono::milliseconds;

// nullptr for "" (UTC) and for unknown names; locate_zone throws for the latter.
const date::time_zone* find_zone(const std::string& tz, bool& known) {
  known = true;
  if (tz.empty()) return nullptr;
  try {
    return date::locate_zone(tz);
  } catch (const std::exception&) {
    known = false;
    return nullptr;
  }
}
}  // namespace

bool valid_timezone(const std::string& tz) {
  bool known;
  find_zone(tz, known);
  return known;
}

std::optional<std::int64_t> utc_offset_ms(const std::string& tz, std::int64_t at_ms) {
  bool known;
  auto* zone = find_zone(tz, known);
  if (!known) return std::nullopt;
  if (!zone) return 0;
  auto info = zone->get_info(date::sys_time<ms>{ms{at_ms}});
  return std::chrono::duration_cast<ms>(info.offset).count();
}

std::pair<std::int64_t, std::int64_t> local_day_ms(const std::string& tz, std::int64_t at_ms) {
  constexpr std::int64_t kDay = 86'400'000;
  bool known;
  auto* zone = find_zone(tz, known);
  if (!zone) {
    auto start = at_ms >= 0 ? at_ms / kDay * kDay : -((-at_ms + kDay - 1) / kDay) * kDay;
    return {start, start + kDay};
  }
  auto local = zone->to_local(date::sys_time<ms>{ms{at_ms}});
  auto day = date::floor<date::days>(local);
  auto start = zone->to_sys(day, date::choose::earliest);
  auto end = zone->to_sys(day + date::days{1}, date::choose::earliest);
  return {std::chrono::duration_cast<ms>(start.time_since_epoch()).count(),
          std::chrono::duration_cast<ms>(end.time_since_epoch()).count()};
}

}  // namespace sb::projections
