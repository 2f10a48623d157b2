import { test } from "node:test";
import assert from "node:assert/strict";
import {
  formatMessageTime, formatDayLabel, isNewDay, formatAge, formatDuration, formatBytes, formatPercent, initials, visitorDisplayName, countryName,
} from "../../console/src/lib/format.js";

const opts = { locale: "en-GB", timeZone: "Europe/Paris" };
const now = Date.UTC(2026, 11, 3, 15, 0);  // 16:00 in Paris

test("message times: today as a clock, yesterday named, older with the date", () => {
  assert.equal(formatMessageTime(Date.UTC(2026, 11, 3, 13, 5), now, opts), "14:05");
  assert.equal(formatMessageTime(Date.UTC(2026, 11, 2, 13, 5), now, opts), "Yesterday 14:05");
  assert.equal(formatMessageTime(Date.UTC(2026, 10, 20, 13, 5), now, opts), "20 Nov 14:05");
  assert.equal(formatMessageTime(Date.UTC(2025, 10, 20, 13, 5), now, opts), "20 Nov 2025");
});

test("days follow the zone: 23:30 UTC is already tomorrow in Paris", () => {
  assert.equal(formatDayLabel(Date.UTC(2026, 11, 2, 23, 30), now, opts), "Today");
  assert.ok(isNewDay(Date.UTC(2026, 11, 2, 22, 30), Date.UTC(2026, 11, 2, 23, 30), "Europe/Paris"));
  assert.ok(!isNewDay(Date.UTC(2026, 11, 2, 22, 30), Date.UTC(2026, 11, 2, 23, 30), "UTC"));
  assert.ok(isNewDay(null, 5, "UTC"));
});

test("ages, durations, sizes and percentages", () => {
  assert.equal(formatAge(now - 30_000, now), "now");
  assert.equal(formatAge(now - 5 * 60_000, now), "5m");
  assert.equal(formatAge(now - 3 * 3_600_000, now), "3h");
  assert.equal(formatAge(now - 2 * 86_400_000, now), "2d");
  assert.equal(formatDuration(null), "—");
  assert.equal(formatDuration(850), "850 ms");
  assert.equal(formatDuration(42_000), "42 s");
  assert.equal(formatDuration(200_000), "3 min 20 s");
  assert.equal(formatDuration(3_900_000), "1 h 5 min");
  assert.equal(formatBytes(512), "512 B");
  assert.equal(formatBytes(2048), "2.0 KB");
  assert.equal(formatBytes(3 * 1024 * 1024), "3.0 MB");
  assert.equal(formatPercent(0.256, "en"), "25.6%");
  assert.equal(formatPercent(null), "—");
});

test("names: initials, a visitor's display name, countries", () => {
  assert.equal(initials("Alice Martin"), "AM");
  assert.equal(initials("bob"), "B");
  assert.equal(initials(""), "?");
  assert.equal(visitorDisplayName({ name: "Alice" }), "Alice");
  assert.equal(visitorDisplayName({ name: "Visitor", email: "a@b.example" }), "a@b.example");
  assert.equal(visitorDisplayName({ name: "Visitor", id: "vi_0123abcd" }), "Visitor abcd");
  assert.equal(countryName("FR", "en"), "France");
  assert.equal(countryName("unknown"), "Unknown");
});
