// The console's dashboard and settings in headless Chromium against a real server: the
// dashboard's counters follow new visitors without a reload (watch_stats), and a widget setting
// saved in the widget builder reaches the public config and the real widget after a reload;
// an agent (not admin) sees no team, routing or integrations settings. axe-core on both pages;
// screenshots into test-output/.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launchBrowser, outputPath, startHostPage, startServer, waitUntil } from "./harness.mjs";
import { assertAccessible, heroValue, openConsolePage, signIn, startVisitor } from "./console-support.mjs";

let browser;
let server;
let token;
let siteKey;

before(async () => {
  browser = await launchBrowser();
  server = await startServer({ args: ["--visitor-rate", "1000000", "--visitor-burst", "1000000"] });
  token = await server.login();
  siteKey = (await server.createWidget(token, { name: "Shop" })).site_key;
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

async function openConsole() {
  const opened = await openConsolePage(browser);
  await signIn(opened.page, server);
  return opened;
}

test("the dashboard's counters change without a reload", async () => {
  const first = await startVisitor(browser, server, siteKey, { name: "Early Bird", email: "early@example.com", text: "Hi there" });
  const { context, page, errors } = await openConsole();
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Dashboard" }).click();
  for (const name of ["Visitors today", "Online now", "Conversations", "First response"]) await page.getByRole("region", { name, exact: true }).waitFor();
  await waitUntil(async () => (await heroValue(page, "Conversations")) >= 1, { what: "the first conversation counted" });
  const before = {
    visitors: await heroValue(page, "Visitors today"),
    online: await heroValue(page, "Online now"),
    conversations: await heroValue(page, "Conversations"),
  };
  await page.evaluate(() => (window.sbNoReload = true));

  const second = await startVisitor(browser, server, siteKey, { name: "Late Comer", email: "late@example.com", text: "Anyone there?" });
  await waitUntil(async () => (await heroValue(page, "Conversations")) === before.conversations + 1, { what: "Conversations + 1" });
  await waitUntil(async () => (await heroValue(page, "Visitors today")) === before.visitors + 1, { what: "Visitors today + 1" });
  await waitUntil(async () => (await heroValue(page, "Online now")) === before.online + 1, { what: "Online now + 1" });
  await page.getByRole("listitem").filter({ hasText: "Late Comer" }).waitFor();  // the live list of online visitors
  await page.getByRole("figure", { name: "Messages per hour" }).waitFor();
  await waitUntil(async () => /Total [1-9]/.test(await page.getByRole("figure", { name: "Conversations per hour" }).textContent()), { what: "the chart refreshed" });
  assert.equal(await page.evaluate(() => window.sbNoReload), true, "no reload happened");

  await page.getByRole("radio", { name: "Last 7 days" }).check();
  await page.getByRole("figure", { name: "Messages per day" }).waitFor();
  await page.getByRole("radio", { name: "Today" }).check();
  await page.getByRole("figure", { name: "Messages per hour" }).waitFor();
  await assertAccessible(page, "dashboard");
  await page.screenshot({ path: outputPath("console-dashboard.png"), fullPage: true });
  assert.deepEqual(errors, []);
  await first.socket.close();
  await second.socket.close();
  await context.close();
});

test("a widget setting saved in Settings shows in the widget config and the widget after a reload", async () => {
  const { context, page, errors } = await openConsole();
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings" }).click();
  const title = page.getByRole("textbox", { name: "Title", exact: true });
  await title.waitFor();
  assert.ok((await page.getByText(`data-site-key="${siteKey}"`).count()) === 1, "the embed snippet names the widget");
  await title.fill("Talk to Switchboard");
  await page.getByRole("textbox", { name: "Welcome message" }).fill("Hello from the builder!");
  await page.getByRole("region", { name: "Preview" }).getByRole("img", { name: "Widget preview" }).waitFor();
  await page.getByRole("button", { name: "Save widget" }).click();
  await page.getByRole("status").filter({ hasText: "Saved." }).waitFor();
  const config = await (await fetch(`${server.baseUrl}/api/v1/widgets/${siteKey}/config`)).json();
  assert.equal(config.title, "Talk to Switchboard");
  assert.equal(config.welcome_message, "Hello from the builder!");
  await assertAccessible(page, "settings (widgets)");
  await page.screenshot({ path: outputPath("console-settings.png"), fullPage: true });

  await page.reload();
  await page.getByRole("textbox", { name: "Title", exact: true }).waitFor();
  assert.equal(await page.getByRole("textbox", { name: "Title", exact: true }).inputValue(), "Talk to Switchboard");

  const host = await startHostPage(siteKey, server.baseUrl);
  try {
    const shop = await (await browser.newContext()).newPage();
    await shop.goto(host.url);
    await shop.getByRole("button", { name: "Open chat" }).click();
    await shop.getByRole("dialog", { name: "Talk to Switchboard" }).getByText("Hello from the builder!").waitFor();
    await shop.context().close();
  } finally {
    await host.close();
  }

  for (const section of ["Bots", "Team", "Canned replies", "Labels", "Routing"]) {
    await page.getByRole("navigation", { name: "Settings sections" }).getByRole("link", { name: section }).click();
    await page.getByRole("heading", { level: 2 }).first().waitFor();
    await assertAccessible(page, `settings (${section})`);
  }
  await page.getByRole("radio", { name: /Automatic/ }).check();
  await page.getByRole("button", { name: "Save routing" }).click();
  await page.getByRole("status").filter({ hasText: "Saved." }).waitFor();
  assert.equal((await server.api(token, "GET", "/workspace")).body.routing, "auto");
  assert.deepEqual(errors, []);
  await context.close();
});

test("an agent gets the inbox, dashboard and the settings agents may change, not team or routing", async () => {
  const r = await server.api(token, "POST", "/users", { email: "agent@example.com", password: "agent-pass-123", name: "Ava Agent", role: "agent" });
  assert.equal(r.status, 201);
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await signIn(page, server, { email: "agent@example.com", password: "agent-pass-123", path: "/console/settings" });
  const sections = page.getByRole("navigation", { name: "Settings sections" });
  for (const name of ["Widgets", "Canned replies", "Labels"]) await sections.getByRole("link", { name }).waitFor();
  for (const name of ["Team", "Routing", "AI assistant", "Webhooks", "Bot tokens"])
    assert.equal(await sections.getByRole("link", { name }).count(), 0, `${name} is for admins`);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Dashboard" }).click();
  await page.getByRole("region", { name: "Online now" }).waitFor();
  await context.close();
});
