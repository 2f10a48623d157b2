// A widget with a bot flow, in headless Chromium against a real server: the bot answers the
// first message with quick replies (buttons by role and name), a pick is sent as the visitor's
// message and gets the bot's next reply, and the quick replies go once the visitor answered.
// The console lists the conversation under Open with the bot's messages badged, and sees the
// handoff to the queue live when the visitor writes anything else.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launchBrowser, openWidgetPage, outputPath, startWidgetEnv, waitUntil, widgetMessages } from "./harness.mjs";
import { signIn } from "./console-support.mjs";

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

test("a bot answers with quick replies, a pick gets its next reply and hides them; the console follows", async () => {
  const env = await startWidgetEnv();
  try {
    const created = await env.server.api(env.token, "POST", "/flows", flow);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const patched = await env.server.api(env.token, "PATCH", `/widgets/${env.siteKey}`, { bot_flow_id: created.body.id });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));

    const { context, page } = await openWidgetPage(browser, env);
    await page.getByRole("button", { name: "Open chat" }).click();
    const input = page.getByRole("textbox", { name: "Message" });
    await input.fill("hi");
    await page.getByRole("button", { name: "Send" }).click();
    const greeting = page.getByRole("listitem", { name: "Hi! Orders or pricing?" });
    await greeting.waitFor();
    assert.match(await greeting.textContent(), /Shop bot/, "the bot's name is shown with its message");
    const orders = page.getByRole("button", { name: "Orders", exact: true });
    const pricing = page.getByRole("button", { name: "Pricing", exact: true });
    await orders.waitFor();
    await pricing.waitFor();
    assert.equal(await page.getByText("Waiting for an agent…").count(), 0, "no queue note while the bot has it");
    assert.equal(await page.getByRole("status", { name: /in the queue/ }).count(), 0);
    await page.screenshot({ path: outputPath("widget-bot.png") });

    await pricing.click();
    await page.getByRole("listitem", { name: "Plans start at 10 EUR." }).waitFor();
    await waitUntil(async () => (await page.getByRole("button", { name: /^(Orders|Pricing)$/ }).count()) === 0, { what: "quick replies gone" });
    assert.deepEqual(await widgetMessages(page), ["hi", "Hi! Orders or pricing?", "pricing", "Plans start at 10 EUR."]);

    // The console: under Open while the bot has it, the bot's messages badged.
    const staff = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const consolePage = await staff.newPage();
    await signIn(consolePage, env.server);
    await consolePage.getByRole("tab", { name: "Open" }).click();
    await consolePage.getByRole("tabpanel").getByRole("listitem").first().click();
    const log = consolePage.getByRole("log", { name: "Messages" });
    await log.getByText("Plans start at 10 EUR.").waitFor();
    assert.equal(await log.getByText("Bot", { exact: true }).count(), 2, "both bot messages carry the Bot badge");
    assert.ok((await log.getByText("Shop bot", { exact: true }).count()) >= 2, "and the bot's name");

    // Anything else hands the visitor to the queue; the console sees it live.
    await input.fill("my parcel is late");
    await page.getByRole("button", { name: "Send" }).click();
    await page.getByRole("listitem", { name: "Let me find a person." }).waitFor();
    await page.getByText("Waiting for an agent…").waitFor();
    await log.getByText(/Handed over by the bot/).waitFor();
    await consolePage.getByRole("tab", { name: "Waiting" }).click();
    await consolePage.getByRole("tabpanel").getByRole("listitem").first().waitFor();
    const queue = await env.server.api(env.token, "GET", "/queue");
    assert.equal(queue.body.items?.length, 1, JSON.stringify(queue.body));
    await staff.close();
    await context.close();
  } finally {
    await env.cleanup();
  }
});
