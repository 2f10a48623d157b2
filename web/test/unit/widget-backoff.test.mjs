// Reconnect backoff: exponential, capped at ~30 s, jittered within the upper half of each step.
import assert from "node:assert/strict";
import { test } from "node:test";
import { BACKOFF_BASE_MS, BACKOFF_CAP_MS, backoffDelay } from "../../dist/test/widget-client.mjs";
import { makeClient } from "./widget-fakes.mjs";

const step = (attempt) => Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt);

test("each delay lies within the upper half of its exponential step", () => {
  for (let attempt = 0; attempt < 40; attempt++) {
    assert.equal(backoffDelay(attempt, () => 0), step(attempt) / 2);
    assert.equal(backoffDelay(attempt, () => 1), step(attempt));
  }
});

test("the delay never exceeds the cap of 30 s, however many attempts failed", () => {
  assert.equal(BACKOFF_CAP_MS, 30_000);
  for (const attempt of [6, 7, 10, 100, 10_000]) {
    const d = backoffDelay(attempt, Math.random);
    assert.ok(d >= BACKOFF_CAP_MS / 2 && d <= BACKOFF_CAP_MS, `attempt ${attempt}: ${d}`);
  }
});

test("delays are jittered: many widgets retrying the same attempt spread over the window", () => {
  const delays = Array.from({ length: 2000 }, () => backoffDelay(5, Math.random));
  const low = step(5) / 2;
  const high = step(5);
  assert.ok(delays.every((d) => d >= low && d <= high));
  assert.ok(new Set(delays).size > 500, "delays should differ");
  const lowerQuarter = delays.filter((d) => d < low + (high - low) / 4).length;
  const upperQuarter = delays.filter((d) => d > high - (high - low) / 4).length;
  assert.ok(lowerQuarter > 300 && upperQuarter > 300, `spread: ${lowerQuarter} / ${upperQuarter}`);
});

test("the client waits longer after each failed attempt and starts over after a welcome", () => {
  const t = makeClient({ random: () => 1 });
  t.welcome();
  const waits = [];
  for (let i = 0; i < 9; i++) {
    t.socket().drop();
    waits.push(Math.max(...t.clock.pending()));
    t.clock.advance(waits.at(-1));
  }
  assert.deepEqual(waits, [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  t.welcome();
  t.socket().drop();
  assert.equal(Math.max(...t.clock.pending()), 500);
});
