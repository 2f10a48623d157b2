#pragma once
// Time zones for read models and their HTTP parameters: IANA names ("Europe/Berlin"), looked up
// in the OS time zone database (/usr/share/zoneinfo, through Howard Hinnant's date/tz library).
// "" means UTC. Thread-safe; the first call loads the database (a few ms).
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace sb::projections {

// Whether `tz` is "" (UTC) or a zone or link name of the OS time zone database.
bool valid_timezone(const std::string& tz);
// The offset of local time in `tz` from UTC at the instant `at_ms` (ms since the epoch), e.g.
// +3,600,000 for Europe/Berlin in winter; nullopt for an unknown zone.
std::optional<std::int64_t> utc_offset_ms(const std::string& tz, std::int64_t at_ms);
// [start, end) in ms since the epoch of the local calendar day in `tz` that contains `at_ms`:
// from one local midnight to the next, so 23 or 25 hours on a DST change. Where midnight does
// not exist (a DST jump at 00:00) the day starts at the jump. An unknown zone counts as UTC.
std::pair<std::int64_t, std::int64_t> local_day_ms(const std::string& tz, std::int64_t at_ms);

}  // namespace sb::projections
