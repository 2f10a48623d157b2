// A widget with an AI bot, in headless Chromium against a real server and a fake
// OpenAI-compatible endpoint (a Node server streaming chat-completion chunks): the widget shows
// the tabs "AI" and "Live support", the assistant's reply streams into one bubble (busy while
// it streams) that its message replaces, and "Live support" sends the visitor to the queue.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, test } from "node:test";
import {
  launchBrowser, openWidgetPage, outputPath, seriousAxeViolations, startWidgetEnv, waitUntil, widgetMessages,
} from "./harness.mjs";

const REPLY = ["Hello! ", "I am Ava, ", "how can I help?"];
const CHUNK_GAP_MS = 400; // slow enough to see the bubble stream

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

// POST /v1/chat/completions answered as server-sent events, one chunk per REPLY part.
async function startFakeModel() {
  const requests = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", async () => {
      if (req.method !== "POST" || req.url !== "/v1/chat/completions") return res.writeHead(404).end();
      requests.push(JSON.parse(body));
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      for (const part of REPLY) {
        res.write(`data: ${JSON.stringify({ choices: [{ delta: { content: part } }] })}\n\n`);
        await new Promise((resolve) => setTimeout(resolve, CHUNK_GAP_MS));
      }
      res.end("data: [DONE]\n\n");
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/v1`,
    requests,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

test("the AI tab streams the assistant's reply; Live support hands the visitor to the queue", async () => {
  const model = await startFakeModel();
  const env = await startWidgetEnv({ serverArgs: ["--allow-private-egress"] });
  try {
    const ai = await env.server.api(env.token, "PUT", "/ai", { base_url: model.url, model: "fake-1", system_prompt: "Be brief.", api_key: "sk-test-1234" });
    assert.equal(ai.status, 200, JSON.stringify(ai.body));
    const patched = await env.server.api(env.token, "PATCH", `/widgets/${env.siteKey}`, { ai_bot: { name: "Ava" } });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));

    const { context, page } = await openWidgetPage(browser, env);
    await page.getByRole("button", { name: "Open chat" }).click();
    const aiTab = page.getByRole("tab", { name: "AI" });
    const liveTab = page.getByRole("tab", { name: "Live support" });
    assert.equal(await aiTab.getAttribute("aria-selected"), "true");
    assert.equal(await liveTab.getAttribute("aria-selected"), "false");
    await page.getByRole("tabpanel", { name: "AI" }).getByRole("log", { name: "Messages" }).waitFor();
    await page.getByRole("status", { name: "Connecting…" }).waitFor({ state: "hidden" });
    const violations = await seriousAxeViolations(page, "switchboard-widget");
    assert.deepEqual(violations, [], JSON.stringify(violations, null, 2));

    await page.getByRole("textbox", { name: "Message" }).fill("hello");
    await page.getByRole("button", { name: "Send" }).click();
    // While it streams: one busy bubble with the text so far.
    const streaming = page.locator("switchboard-widget li[aria-busy=true]");
    await streaming.waitFor({ timeout: 15_000 });
    assert.match(await streaming.getAttribute("aria-label"), /^Hello!/);
    const final = page.getByRole("listitem", { name: REPLY.join("") });
    await final.waitFor({ timeout: 15_000 });
    // The stored message replaces the bubble (its last partial may already have had all the text).
    await waitUntil(async () => (await final.getAttribute("aria-busy")) === null, { what: "the reply no longer busy" });
    await page.screenshot({ path: outputPath("widget-ai.png") });
    assert.match(await final.textContent(), /Ava/, "the assistant's name is shown with its reply");
    assert.equal(await streaming.count(), 0);
    assert.deepEqual(await widgetMessages(page), ["hello", REPLY.join("")], "the reply is shown once");
    assert.equal(model.requests.length, 1);
    assert.equal(model.requests[0].model, "fake-1");
    assert.equal(model.requests[0].stream, true);

    await liveTab.click();
    assert.equal(await liveTab.getAttribute("aria-selected"), "true");
    await page.getByText("A person will answer you here.").waitFor();
    await page.getByText("Waiting for an agent…").waitFor();
    const queued = await waitUntil(async () => {
      const queue = await env.server.api(env.token, "GET", "/queue");
      return queue.body.items?.length === 1 ? queue.body.items[0] : null;
    }, { what: "the conversation in the queue" });
    const conversation = await env.server.api(env.token, "GET", `/conversations/${queued.conversation_id}`);
    assert.equal(conversation.body.status, "waiting", JSON.stringify(conversation.body));
    await liveTab.focus();
    const again = await seriousAxeViolations(page, "switchboard-widget");
    assert.deepEqual(again, [], JSON.stringify(again, null, 2));

    // A reload keeps the conversation with a person: Live support stays selected.
    await page.reload();
    await page.getByRole("button", { name: "Open chat" }).click();
    await page.getByRole("listitem", { name: REPLY.join("") }).waitFor();
    await waitUntil(async () => (await page.getByRole("tab", { name: "Live support" }).getAttribute("aria-selected")) === "true", { what: "Live support selected after a reload" });
    await context.close();
  } finally {
    await env.cleanup();
    await model.close();
  }
});
