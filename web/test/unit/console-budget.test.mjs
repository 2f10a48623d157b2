// The console's initial JavaScript (what index.html loads before any screen is opened: the
// entry module and every module it imports statically) must stay within 150 KB gzip. The
// dashboard (uPlot) and settings are dynamic imports and do not count. Needs a build first
// (`npm test` builds); without one the test fails.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync, constants } from "node:zlib";

const BUDGET_BYTES = 150 * 1024;
const dist = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "dist", "console");
const fileOf = (url) => join(dist, url.replace(/^\/console\//, ""));

function initialModules() {
  assert.ok(existsSync(join(dist, "index.html")), "no console build in web/dist: run `npm run build` (npm test does)");
  const html = readFileSync(join(dist, "index.html"), "utf8");
  const roots = [...html.matchAll(/<script type="module" src="([^"]+)"/g), ...html.matchAll(/<link rel="modulepreload" href="([^"]+)"/g)].map((m) => m[1]);
  const seen = new Set();
  const visit = (url) => {
    if (seen.has(url)) return;
    seen.add(url);
    const code = readFileSync(fileOf(url), "utf8");
    // static imports only: `import ... from "x"` and `import "x"`; `import("x")` is lazy
    for (const m of code.matchAll(/(?:from|import)\s*"([^"]+\.js)"/g)) visit(m[1]);
  };
  roots.forEach(visit);
  return [...seen];
}

test("the console's initial JS is at most 150 KB gzip", () => {
  const modules = initialModules();
  assert.ok(modules.length >= 1, "index.html loads a module script");
  const sizes = modules.map((url) => [url, gzipSync(readFileSync(fileOf(url)), { level: constants.Z_BEST_COMPRESSION }).length]);
  const total = sizes.reduce((sum, [, n]) => sum + n, 0);
  console.log(`console initial JS: ${(total / 1024).toFixed(1)} KB gzip in ${modules.length} modules`);
  assert.ok(total <= BUDGET_BYTES, `initial JS is ${(total / 1024).toFixed(1)} KB gzip (budget 150 KB): ${JSON.stringify(sizes)}`);
});

test("charts are not in the initial JS", () => {
  // "u-legend" is one of uPlot's class names: it survives minification.
  for (const url of initialModules()) assert.ok(!readFileSync(fileOf(url), "utf8").includes("u-legend"), `${url} contains uPlot`);
});
