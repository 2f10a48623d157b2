// The console's first render after login with 1,000 open conversations: at most 300 ms from the
// login answer to the painted list (the console's own Performance API measure), the list
// windowed (a few dozen rows in the DOM, every one reachable by scrolling). Prints the figures.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launchBrowser, startServer, waitUntil } from "./harness.mjs";
import { firstRenderFigures, inParallel, seedWaitingConversations, signIn } from "./console-support.mjs";

const OPEN = 1000;
const BUDGET_MS = 300;
let browser;
let server;
let token;

before(async () => {
  browser = await launchBrowser();
  server = await startServer({ args: ["--visitor-rate", "1000000", "--visitor-burst", "1000000", "--staff-write-rate", "100000"] });
  token = await server.login();
  const { site_key: siteKey } = await server.createWidget(token, { name: "Load" });
  const started = Date.now();
  const ids = await seedWaitingConversations(server, siteKey, OPEN);
  await inParallel(ids, 16, async (id) => {
    const r = await server.api(token, "POST", `/conversations/${id}/accept`);
    if (r.status !== 200) throw new Error(`accept ${id}: ${r.status} ${JSON.stringify(r.body)}`);
  });
  await waitUntil(async () => {
    const page = await server.api(token, "GET", "/conversations?status=active&limit=200");
    return page.body.items?.length === 200;
  }, { what: "the open conversations listed" });
  console.log(`seeded ${OPEN} open conversations in ${Date.now() - started} ms`);
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test(`first render after login with ${OPEN} open conversations is within ${BUDGET_MS} ms`, async () => {
  const runs = [];
  for (let i = 0; i < 3; i++) {  // the median of 3: one run on a busy 2-core machine is noisy
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    await context.addInitScript(() => localStorage.setItem("switchboard.console.tab", JSON.stringify("open")));
    const page = await context.newPage();
    await signIn(page, server);
    runs.push(await firstRenderFigures(page));
    if (i === 2) {
      const list = page.getByRole("list", { name: "Open conversations" });
      await list.getByRole("listitem").first().waitFor();
      await waitUntil(async () => (await list.getByRole("listitem").first().getAttribute("aria-setsize")) === String(OPEN), { what: `all ${OPEN} loaded` });
      const rows = await list.getByRole("listitem").count();
      assert.ok(rows < 60, `${rows} rows in the DOM: the list is windowed`);
      await page.getByRole("tabpanel").locator(".virtual-scroller").evaluate((el) => (el.scrollTop = el.scrollHeight));
      await list.locator(`[aria-posinset="${OPEN}"]`).waitFor();
    }
    await context.close();
  }
  const sorted = (key) => runs.map((r) => r[key]).sort((a, b) => a - b);
  const median = sorted("firstRender")[1];
  console.log(`console: first render after login with ${OPEN} open conversations: ${sorted("firstRender").map((t) => t.toFixed(1)).join(", ")} ms (median ${median.toFixed(1)}); from the Sign in click: median ${sorted("loginToInbox")[1].toFixed(1)} ms`);
  assert.ok(median <= BUDGET_MS, `first render took ${median} ms`);
});
