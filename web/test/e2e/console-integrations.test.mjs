// The console's integrations settings in headless Chromium against a real server (admins): a
// webhook added to a local receiver shows its signing secret once, then its deliveries, and
// Redeliver sends one again with the same event id; the AI settings save a key that is shown as
// stored but never displayed, and can be removed; a bot token is shown once, works, and stops
// working once revoked; the widget builder's one bot choice sends exactly one bot. axe-core on
// each page; screenshots into test-output/.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import { test } from "node:test";
import { outputPath, waitUntil } from "./harness.mjs";
import { assertAccessible, openConsolePage, signIn, startVisitor, useConsoleServer } from "./console-support.mjs";

const env = useConsoleServer({ args: ["--allow-private-egress"] });

// A webhook receiver on 127.0.0.1 that answers 200 and keeps each request (headers, raw body).
async function startReceiver() {
  const requests = [];
  const http = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      requests.push({ headers: req.headers, body });
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise((resolve) => http.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${http.address().port}/hooks/switchboard`,
    requests,
    close: () => new Promise((resolve) => { http.closeAllConnections(); http.close(resolve); }),
  };
}

// An admin on Settings > `section`; confirm() dialogs are accepted.
async function openSettings(section) {
  const opened = await openConsolePage(env.browser);
  opened.page.on("dialog", (d) => d.accept());
  await signIn(opened.page, env.server, { path: `/console/settings/${section}` });
  return opened;
}

test("a webhook's secret is shown once, its deliveries are listed and one is redelivered", async () => {
  const receiver = await startReceiver();
  const { context, page, errors } = await openSettings("webhooks");
  try {
    await page.getByRole("region", { name: "Webhooks" }).getByText("No webhooks yet.").waitFor();
    const form = page.getByRole("region", { name: "New webhook" });
    await form.getByRole("textbox", { name: "Endpoint URL" }).fill("hooks.example.com/x");
    await form.getByRole("button", { name: "Add webhook" }).click();
    await form.getByText("Start with http:// or https://.").waitFor();
    await form.getByRole("textbox", { name: "Endpoint URL" }).fill(receiver.url);
    await form.getByRole("textbox", { name: "Description" }).fill("E2E receiver");
    await form.getByRole("checkbox", { name: /A visitor tells who they are/ }).uncheck();
    await form.getByRole("button", { name: "Add webhook" }).click();

    const shown = page.getByRole("region", { name: "Signing secret", exact: true });
    const secret = (await shown.getByRole("code").textContent()).trim();
    assert.match(secret, /^whsec_\w+$/);
    await shown.getByRole("button", { name: "Copy signing secret" }).waitFor();
    const [hook] = (await env.server.api(env.token, "GET", "/webhooks")).body.items;
    assert.equal(hook.url, receiver.url);
    assert.deepEqual(hook.events, ["conversation.created", "message.created", "conversation.status_changed"]);
    assert.equal(hook.secret, undefined, "later reads carry no secret");
    await page.getByRole("list", { name: "Webhook endpoints" }).getByText(hook.secret_hint).waitFor();
    await assertAccessible(page, "settings (webhooks, the secret shown)");
    await shown.getByRole("button", { name: "Done" }).click();
    await shown.waitFor({ state: "detached" });
    assert.equal((await page.content()).includes(secret), false, "the secret is gone from the page");

    // Events after the endpoint was made: a visitor's first message.
    const visitor = await startVisitor(env.browser, env.server, env.siteKey, { name: "Hook Visitor", email: "hook@example.com", text: "Hello webhooks" });
    await waitUntil(() => receiver.requests.some((r) => r.headers["x-switchboard-event"] === "message.created"), { timeout: 15_000, what: "message.created at the receiver" });
    const delivered = receiver.requests.find((r) => r.headers["x-switchboard-event"] === "message.created");
    const mac = createHmac("sha256", secret).update(`${delivered.headers["x-switchboard-timestamp"]}.${delivered.body}`).digest("hex");
    assert.equal(delivered.headers["x-switchboard-signature"], `sha256=${mac}`, "signed with the secret shown");

    await page.getByRole("button", { name: "Deliveries of E2E receiver" }).click();
    const log = page.getByRole("region", { name: "Deliveries: E2E receiver" });
    const eventId = delivered.headers["x-switchboard-delivery"];
    const row = log.getByRole("row").filter({ hasText: eventId });
    await waitUntil(async () => {
      if (await row.count()) return true;
      await log.getByRole("button", { name: "Refresh" }).click();
      return false;
    }, { interval: 500, what: "the delivery listed" });
    await row.getByText("Delivered").waitFor();
    await row.getByText("HTTP 200").waitFor();
    await assertAccessible(page, "settings (webhooks, deliveries)");
    await page.screenshot({ path: outputPath("console-webhooks.png"), fullPage: true });

    const before = receiver.requests.length;
    await row.getByRole("button", { name: `Redeliver ${eventId}` }).click();
    await log.getByRole("status").filter({ hasText: `${eventId} is being sent again.` }).waitFor();
    await waitUntil(() => receiver.requests.slice(before).some((r) => r.headers["x-switchboard-delivery"] === eventId), { what: "the event sent again" });
    await log.getByRole("row").filter({ hasText: eventId }).getByText("sent again by hand").waitFor({ timeout: 10_000 });
    assert.deepEqual(errors, []);
    await visitor.socket.close();
  } finally {
    await context.close();
    await receiver.close();
  }
});

test("AI settings: a bad URL is explained; a saved key shows as stored, never its text; it can be removed", async () => {
  const KEY = "sk-e2e-secret-key-7890";
  const { context, page, errors } = await openSettings("ai");
  const section = page.getByRole("region", { name: "AI assistant" });
  await section.getByText("Not set up yet.", { exact: false }).waitFor();
  await section.getByRole("textbox", { name: "Base URL" }).fill("api.openai.com/v1");
  await section.getByRole("textbox", { name: "Model" }).fill("fake-1");
  await section.getByRole("button", { name: "Save AI settings" }).click();
  await section.getByText("Start with http:// or https://. The API root looks like https://api.openai.com/v1.").waitFor();
  assert.equal((await env.server.api(env.token, "GET", "/ai")).body.configured, false, "nothing saved");

  await section.getByRole("textbox", { name: "Base URL" }).fill("http://127.0.0.1:9/v1");
  await section.getByRole("textbox", { name: "System prompt" }).fill("Answer in one sentence.");
  await section.getByLabel("API key", { exact: true }).fill(KEY);
  await section.getByRole("button", { name: "Save AI settings" }).click();
  await section.getByRole("status").filter({ hasText: "Saved." }).waitFor();
  await section.getByText("An API key is stored (ending 7890). Leave this empty to keep it.").waitFor();
  assert.equal(await section.getByLabel("API key", { exact: true }).inputValue(), "");
  const saved = (await env.server.api(env.token, "GET", "/ai")).body;
  assert.deepEqual([saved.base_url, saved.model, saved.system_prompt, saved.api_key_set], ["http://127.0.0.1:9/v1", "fake-1", "Answer in one sentence.", true]);
  await assertAccessible(page, "settings (AI assistant)");
  await page.screenshot({ path: outputPath("console-ai.png"), fullPage: true });

  await page.reload();
  await section.getByText("An API key is stored (ending 7890).", { exact: false }).waitFor();
  assert.equal(await section.getByRole("textbox", { name: "Model" }).inputValue(), "fake-1");
  assert.equal((await page.content()).includes(KEY), false, "the key is never in the page");

  // Saving other fields keeps the key; "Remove the stored API key" clears it.
  await section.getByRole("textbox", { name: "Model" }).fill("fake-2");
  await section.getByRole("button", { name: "Save AI settings" }).click();
  await section.getByRole("status").filter({ hasText: "Saved." }).waitFor();
  assert.equal((await env.server.api(env.token, "GET", "/ai")).body.api_key_set, true);
  await section.getByRole("checkbox", { name: "Remove the stored API key" }).check();
  await section.getByRole("button", { name: "Save AI settings" }).click();
  await section.getByText("No API key is stored.").waitFor();
  const cleared = (await env.server.api(env.token, "GET", "/ai")).body;
  assert.deepEqual([cleared.model, cleared.api_key_set], ["fake-2", false]);
  assert.deepEqual(errors, []);
  await context.close();
});

test("a bot token is shown once, answers the API, and is refused once revoked", async () => {
  const { context, page, errors } = await openSettings("bot-tokens");
  await page.getByRole("region", { name: "Bot tokens", exact: true }).getByText("No bot tokens yet.").waitFor();
  const form = page.getByRole("region", { name: "New bot token" });
  await form.getByRole("button", { name: "Create token" }).click();
  await form.getByText("Name the bot (1 to 80 bytes).").waitFor();
  await form.getByRole("textbox", { name: "Bot name" }).fill("Order bot");
  await form.getByRole("button", { name: "Create token" }).click();
  const shown = page.getByRole("region", { name: "Bot token", exact: true });
  const botToken = (await shown.getByRole("code").textContent()).trim();
  assert.match(botToken, /^bt_\w+\.[0-9a-f]{64}$/);
  const table = page.getByRole("table", { name: "Bot tokens" });
  await table.getByRole("row", { name: /Order bot/ }).waitFor();
  assert.equal((await env.server.api(botToken, "GET", "/conversations")).status, 200, "the token works");
  assert.equal((await env.server.api(env.token, "GET", "/bot_tokens")).body.items[0].token, undefined);
  await assertAccessible(page, "settings (bot tokens)");
  await shown.getByRole("button", { name: "Done" }).click();
  await page.reload();
  await table.getByRole("row", { name: /Order bot/ }).waitFor();
  assert.equal((await page.content()).includes(botToken.split(".")[1]), false, "the token is not shown again");

  await table.getByRole("button", { name: "Revoke Order bot" }).click();
  await page.getByRole("status").filter({ hasText: "Revoked the token of Order bot." }).waitFor();
  assert.equal(await table.count(), 0, "no tokens left");
  assert.equal((await env.server.api(botToken, "GET", "/conversations")).status, 401, "a revoked token is refused");
  assert.deepEqual(errors, []);
  await context.close();
});

test("the widget builder's bot is one choice: AI, an external bot, none", async () => {
  const { context, page, errors } = await openSettings("widgets");
  const widget = async () => (await env.server.api(env.token, "GET", `/widgets/${env.siteKey}`)).body;
  const save = async () => {
    await page.getByRole("button", { name: "Save widget" }).click();
    await page.getByRole("status").filter({ hasText: "Saved." }).waitFor();
  };
  await page.getByRole("radio", { name: "No bot: a person answers" }).waitFor();
  assert.equal(await page.getByRole("radio", { name: "No bot: a person answers" }).isChecked(), true);

  await page.getByRole("radio", { name: "The AI assistant" }).check();
  await page.getByRole("textbox", { name: "Assistant name" }).fill("Ava");
  await save();
  let w = await widget();
  assert.deepEqual([w.ai_bot, w.external_bot, w.bot_flow_id], [{ name: "Ava" }, null, null]);
  assert.deepEqual((await (await fetch(`${env.server.baseUrl}/api/v1/widgets/${env.siteKey}/config`)).json()).bot, { name: "Ava", ai: true });

  await page.getByRole("radio", { name: "An external bot (API)" }).check();
  await page.getByRole("textbox", { name: "Bot name" }).fill("Ext");
  await page.getByRole("spinbutton", { name: "Hand off after (seconds)" }).fill("0");
  await page.getByRole("button", { name: "Save widget" }).click();
  await page.getByRole("alert").filter({ hasText: "Fix the highlighted fields first." }).waitFor();
  await page.getByText("A whole number of seconds from 1 to 3600.").waitFor();
  await page.getByRole("spinbutton", { name: "Hand off after (seconds)" }).fill("30");
  await save();
  w = await widget();
  assert.deepEqual([w.ai_bot, w.external_bot, w.bot_flow_id], [null, { name: "Ext", handoff_after_seconds: 30 }, null]);
  await assertAccessible(page, "settings (widgets, external bot)");

  await page.getByRole("radio", { name: "A bot flow" }).check();
  await page.getByRole("combobox", { name: "Bot flow" }).waitFor();
  await page.getByRole("radio", { name: "No bot: a person answers" }).check();
  await save();
  w = await widget();
  assert.deepEqual([w.ai_bot, w.external_bot, w.bot_flow_id], [null, null, null]);
  assert.deepEqual(errors, []);
  await context.close();
});
