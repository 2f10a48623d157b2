// The widget's size budget (issue 11), gzip: at most 4 KB load before the visitor interacts
// (widget.js: the loader and the bubble), at most 12 KB in all (plus the chat, loaded on open).
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { constants, gzipSync } from "node:zlib";

const dist = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "dist");
const INITIAL_BUDGET = 4 * 1024;
const TOTAL_BUDGET = 12 * 1024;

const gzipSize = (path) => gzipSync(readFileSync(path), { level: constants.Z_BEST_COMPRESSION }).length;

test("widget.js (loader and bubble) is at most 4 KB gzip", () => {
  const size = gzipSize(join(dist, "widget.js"));
  console.log(`widget initial: ${size} B gzip (budget ${INITIAL_BUDGET})`);
  assert.ok(size <= INITIAL_BUDGET, `widget.js is ${size} B gzip, over the ${INITIAL_BUDGET} B budget`);
});

test("the whole widget is at most 12 KB gzip", () => {
  const chunks = readdirSync(join(dist, "widget")).filter((f) => f.endsWith(".js"));
  assert.ok(chunks.length > 0, "dist/widget/ has no chunk: run the build first");
  const total = gzipSize(join(dist, "widget.js")) + chunks.reduce((sum, f) => sum + gzipSize(join(dist, "widget", f)), 0);
  console.log(`widget total: ${total} B gzip (budget ${TOTAL_BUDGET})`);
  assert.ok(total <= TOTAL_BUDGET, `the widget is ${total} B gzip, over the ${TOTAL_BUDGET} B budget`);
});

test("every served file has its precompressed .gz sibling, identical once inflated", async () => {
  const { gunzipSync } = await import("node:zlib");
  const files = ["widget.js", ...readdirSync(join(dist, "widget")).filter((f) => f.endsWith(".js")).map((f) => `widget/${f}`)];
  for (const file of files) {
    const plain = readFileSync(join(dist, file));
    assert.deepEqual(gunzipSync(readFileSync(join(dist, file + ".gz"))), plain, file);
  }
});
