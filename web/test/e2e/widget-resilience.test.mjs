// The widget when things go wrong: the server killed (SIGKILL) and restarted mid-conversation,
// and a visitor over the message rate limit.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launchBrowser, newestConversation, openWidgetPage, startWidgetEnv, waitUntil, widgetMessages } from "./harness.mjs";

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

async function send(page, text) {
  await page.getByRole("textbox", { name: "Message" }).fill(text);
  await page.getByRole("button", { name: "Send" }).click();
}

test("kill -9 and restart mid-conversation: nothing lost, the widget reconnects by itself, a message typed offline arrives once", async () => {
  const env = await startWidgetEnv();
  try {
    const { context, page } = await openWidgetPage(browser, env);
    await page.getByRole("button", { name: "Open chat" }).click();
    await send(page, "before the crash");
    const log = page.getByRole("log", { name: "Messages" });
    await log.getByRole("listitem", { name: "before the crash" }).getByText("Delivered").waitFor();
    const id = (await env.server.api(env.token, "GET", "/queue")).body.items[0].conversation_id;
    await env.server.api(env.token, "POST", `/conversations/${id}/accept`);
    await env.server.api(env.token, "POST", `/conversations/${id}/messages`, { client_msg_id: "r1", text: "reply before the crash" });
    await log.getByRole("listitem", { name: "reply before the crash" }).waitFor();

    await env.server.kill();
    await page.getByRole("status", { name: "Offline" }).waitFor();
    await send(page, "typed while offline");
    const offline = log.getByRole("listitem", { name: "typed while offline" });
    await offline.getByText("Sending").waitFor();
    const stored = await page.evaluate(() => Object.values(localStorage).join(" "));
    assert.ok(stored.includes("typed while offline"), "the outbox is kept in localStorage");

    await env.server.restart();
    await offline.getByText("Delivered").waitFor({ timeout: 40_000 });
    await page.getByRole("status", { name: "Offline" }).waitFor({ state: "hidden" });
    const r2 = await env.server.api(env.token, "POST", `/conversations/${id}/messages`, { client_msg_id: "r2", text: "reply after the restart" });
    await log.getByRole("listitem", { name: "reply after the restart" }).waitFor();

    const expected = ["before the crash", "reply before the crash", "typed while offline", "reply after the restart"];
    assert.deepEqual(await widgetMessages(page), expected);
    const stored2 = (await env.server.api(env.token, "GET", `/conversations/${id}/messages?limit=200&min_position=${r2.body.position}`)).body.items;
    assert.deepEqual(stored2.map((m) => m.text), expected, "each message stored once");
    await page.reload();
    await page.getByRole("button", { name: "Open chat" }).click();
    await log.getByRole("listitem", { name: "reply after the restart" }).waitFor();
    assert.deepEqual(await widgetMessages(page), expected);
    await context.close();
  } finally {
    await env.cleanup();
  }
});

test("over the rate limit: the message shows as not sent, keeps its text, and Retry delivers it", async () => {
  const env = await startWidgetEnv({ serverArgs: ["--visitor-rate", "1", "--visitor-burst", "2"] });
  try {
    const { context, page } = await openWidgetPage(browser, env);
    await page.getByRole("button", { name: "Open chat" }).click();
    // Two go through at once, then one a second: of five sent in a row, some are refused.
    const texts = ["one", "two", "three", "four", "five"];
    for (const text of texts) await send(page, text);
    const refused = page.getByRole("listitem").filter({ hasText: "Not sent" });
    await refused.first().waitFor();
    const text = await refused.first().getAttribute("aria-label");
    const item = page.getByRole("listitem", { name: text, exact: true });
    await item.getByText("You are sending messages too quickly").waitFor();
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await item.getByRole("button", { name: "Retry" }).click();
    await item.getByText("Delivered").waitFor();
    assert.equal(await item.getByRole("button", { name: "Retry" }).count(), 0);
    const { id } = await newestConversation(env.server, env.token);
    const delivered = await page.getByRole("listitem").filter({ hasText: "Delivered" }).evaluateAll((els) => els.map((e) => e.getAttribute("aria-label")));
    const stored = await waitUntil(async () => {
      const texts = (await env.server.api(env.token, "GET", `/conversations/${id}/messages`)).body.items.map((m) => m.text);
      return texts.length === delivered.length && texts;
    }, { what: "the delivered messages in the history" });
    assert.deepEqual([...stored].sort(), [...delivered].sort(), "stored: exactly what shows as delivered");
    assert.equal(stored.filter((t) => t === text).length, 1);
    await context.close();
  } finally {
    await env.cleanup();
  }
});
