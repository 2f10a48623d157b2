#pragma once
// Business hours of a widget (PROTOCOL.md, Widgets): null = always open, else
//   {"timezone": "Europe/Berlin", "days": {"mon": [["09:00","17:00"], ...], ..., "sun": [...]}}
// Rules:
// - Times are local wall-clock times in `timezone` (an IANA name of the OS time zone database),
//   so opening hours follow DST: on the spring-forward day the skipped hour simply never occurs,
//   on the fall-back day the repeated hour is open (or closed) both times.
// - A range ["HH:MM","HH:MM"] is open from its start up to, not including, its end. "24:00" is
//   allowed as an end (the end of the day), never as a start.
// - A range whose end is before its start crosses midnight: ["22:00","02:00"] on fri is open
//   from friday 22:00 to saturday 02:00. A range whose end equals its start is empty
//   (check_business_hours refuses it; is_open ignores it).
// - A missing day, or an empty list, is closed all that day.
// - is_open() fails open: without a usable timezone and days object (say a zone the OS
//   database no longer has) it answers open, so visitors are never told "offline" by mistake;
//   single malformed ranges and unknown day names are skipped.
// Pure and thread-safe.
#include <cstdint>
#include <optional>

#include <nlohmann/json.hpp>

#include "actors/errors.hpp"

namespace sb::visitors {

// Whether a widget with these business hours is open at `now_ms` (ms since the epoch).
bool is_open(const nlohmann::json& business_hours, std::int64_t now_ms);

// A bad_request failure saying what is wrong with a business_hours value, or nullopt if it is
// valid (null, or the shape above with a real IANA time zone).
std::optional<failure> check_business_hours(const nlohmann::json& business_hours);

}  // namespace sb::visitors
