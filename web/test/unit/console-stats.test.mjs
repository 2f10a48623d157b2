import { test } from "node:test";
import assert from "node:assert/strict";
import { localMidnight, zoneOffsetMs, rangeFor, alignSeries, breakdownRows, totalMessages, agentRows, overviewChanged } from "../../console/src/lib/stats.js";

test("local midnight in a zone, across a DST change", () => {
  const now = Date.UTC(2026, 11, 3, 15, 0);
  assert.equal(localMidnight(now, "UTC"), Date.UTC(2026, 11, 3));
  assert.equal(localMidnight(now, "Europe/Paris"), Date.UTC(2026, 11, 2, 23));
  assert.equal(localMidnight(now, "America/New_York"), Date.UTC(2026, 11, 3, 5));
  // 29 March 2026: Paris goes from +1 to +2; six days later midnight is 22:00 UTC.
  const april = Date.UTC(2026, 3, 3, 12);
  assert.equal(localMidnight(april, "Europe/Paris"), Date.UTC(2026, 3, 2, 22));
  assert.equal(localMidnight(april, "Europe/Paris", 6), Date.UTC(2026, 2, 27, 23));
  assert.equal(zoneOffsetMs(april, "Asia/Kolkata"), 5.5 * 3_600_000);
});

test("range presets pick their start and bucket", () => {
  const now = Date.UTC(2026, 11, 3, 15, 0);
  assert.deepEqual(rangeFor("today", now, "UTC"), { from: Date.UTC(2026, 11, 3), to: null, bucket: "hour" });
  assert.deepEqual(rangeFor("7d", now, "UTC"), { from: Date.UTC(2026, 10, 27), to: null, bucket: "day" });
  assert.equal(rangeFor("30d", now, "UTC", "hour").bucket, "hour");
});

test("series align on bucket starts, in seconds, missing buckets as 0", () => {
  const a = [{ ts: 1000, value: 1 }, { ts: 2000, value: 2 }];
  const b = [{ ts: 2000, value: 5 }, { ts: 3000, value: 6 }];
  assert.deepEqual(alignSeries([a, b]), [[1, 2, 3], [1, 2, 0], [0, 5, 6]]);
  assert.deepEqual(alignSeries([[]]), [[], []]);
});

test("breakdowns sort by count with shares; totals and agents", () => {
  assert.deepEqual(breakdownRows({ web: 3, email: 1 }), [{ key: "web", value: 3, share: 0.75 }, { key: "email", value: 1, share: 0.25 }]);
  assert.deepEqual(breakdownRows({}), []);
  assert.equal(totalMessages({ messages: { visitor: 2, agent: 3, bot: 1 } }), 6);
  assert.deepEqual(agentRows([{ name: "B", conversations: 1 }, { name: "A", conversations: 1 }, { name: "C", conversations: 4 }]).map((r) => r.name), ["C", "A", "B"]);
  assert.ok(overviewChanged({ a: 1 }, { a: 2 }));
  assert.ok(!overviewChanged({ a: 1 }, { a: 1 }));
});
