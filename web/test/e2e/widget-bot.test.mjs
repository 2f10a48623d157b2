// A widget with a bot flow, in headless Chromium against a real server: the bot answers the
// first message with quick replies (buttons by role and name), a pick is sent as the visitor's
// message and gets the bot's next reply, and the quick replies go once the visitor answered;
// anything else hands the visitor to the queue.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launchBrowser, openWidgetPage, startWidgetEnv, waitUntil, widgetMessages } from "./harness.mjs";

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

const flow = {
  name: "Shop bot",
  start: "hello",
  nodes: [
    { id: "hello", type: "message", text: "Hi! Orders or pricing?",
      buttons: [{ label: "Orders", value: "orders" }, { label: "Pricing", value: "pricing" }], next: "ask" },
    { id: "ask", type: "action", action: "wait", next: "route" },
    { id: "route", type: "condition", match: "keyword", any: ["pricing"], then: "price", else: "human" },
    { id: "price", type: "message", text: "Plans start at 10 EUR.", next: "ask" },
    { id: "human", type: "action", action: "handoff", text: "Let me find a person." },
  ],
};

test("a bot answers with quick replies; a pick gets its next reply; anything else hands off", async () => {
  const env = await startWidgetEnv();
  try {
    const created = await env.server.api(env.token, "POST", "/flows", flow);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const patched = await env.server.api(env.token, "PATCH", `/widgets/${env.siteKey}`, { bot_flow_id: created.body.id });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));

    const { context, page } = await openWidgetPage(browser, env);
    await page.getByRole("button", { name: "Open chat" }).click();
    await page.getByRole("textbox", { name: "Message" }).fill("hi");
    await page.getByRole("button", { name: "Send" }).click();
    await page.getByRole("listitem", { name: "Hi! Orders or pricing?" }).waitFor();
    const replies = page.getByRole("group", { name: "Quick replies" });
    await replies.getByRole("button", { name: "Pricing" }).click();
    await page.getByRole("listitem", { name: "Plans start at 10 EUR." }).waitFor();
    await waitUntil(async () => (await replies.getByRole("button").count()) === 0, { what: "quick replies gone" });
    assert.deepEqual(await widgetMessages(page), ["hi", "Hi! Orders or pricing?", "pricing", "Plans start at 10 EUR."]);

    await page.getByRole("textbox", { name: "Message" }).fill("my parcel is late");
    await page.getByRole("button", { name: "Send" }).click();
    await page.getByRole("listitem", { name: "Let me find a person." }).waitFor();
    await waitUntil(async () => {
      const queue = await env.server.api(env.token, "GET", "/queue");
      return queue.body.items?.length === 1;
    }, { what: "the conversation in the queue" });
    await context.close();
  } finally {
    await env.cleanup();
  }
});
