// The widget's features one by one: attachments (upload progress, image preview, files from
// staff), outside business hours, keyboard only, German, and the JS API with the unread badge.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launchBrowser, newestConversation, openWidgetPage, pngBytes, startWidgetEnv, waitUntil } from "./harness.mjs";

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

const inShadow = (page, fn) => page.evaluate(fn);
const focusedName = (page) =>
  inShadow(page, () => {
    const el = document.activeElement?.shadowRoot?.activeElement;
    return el?.getAttribute("aria-label") ?? el?.textContent ?? null;
  });

test("attachments: upload progress, an image preview, and a file from staff", async () => {
  const env = await startWidgetEnv();
  try {
    const { context, page } = await openWidgetPage(browser, env);
    await page.getByRole("button", { name: "Open chat" }).click();
    await page.getByRole("textbox", { name: "Message" }).fill("hello");
    await page.getByRole("button", { name: "Send" }).click();
    await page.getByRole("listitem", { name: "hello" }).getByText("Delivered").waitFor();

    // Slow the upload down so its progress shows: ~700 KB at 256 KB/s.
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 256 * 1024 });
    const chooser = page.waitForEvent("filechooser");
    await page.getByRole("button", { name: "Attach a file" }).click();
    await (await chooser).setFiles({ name: "photo.png", mimeType: "image/png", buffer: pngBytes(400, 600) });
    const progress = page.getByRole("progressbar", { name: "Uploading photo.png" });
    await progress.waitFor();
    await waitUntil(async () => Number(await progress.getAttribute("value")) > 0, { what: "upload progress" });
    await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });

    const item = page.getByRole("listitem", { name: "photo.png" });
    await item.getByText("Delivered").waitFor({ timeout: 20_000 });
    const image = item.getByRole("img", { name: "photo.png" });
    await waitUntil(() => image.evaluate((img) => img.complete && img.naturalWidth === 400), { what: "the image preview" });

    const { id } = await newestConversation(env.server, env.token);
    const stored = await waitUntil(async () => {
      const items = (await env.server.api(env.token, "GET", `/conversations/${id}/messages`)).body.items;
      return items.length === 2 && items;
    }, { what: "the attachment in the history" });
    assert.deepEqual(stored[1].attachments.map((a) => [a.name, a.content_type]), [["photo.png", "image/png"]]);

    const pdf = await fetch(`${env.server.baseUrl}/api/v1/files`, {
      method: "POST", headers: { authorization: `Bearer ${env.token}`, "x-filename": "terms.pdf", "content-type": "application/pdf" },
      body: "%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
    });
    assert.equal(pdf.status, 201, await pdf.clone().text());
    const file = await pdf.json();
    const posted = await env.server.api(env.token, "POST", `/conversations/${id}/messages`, { client_msg_id: "s1", text: "Our terms", attachments: [{ id: file.id }] });
    assert.equal(posted.status, 201, JSON.stringify(posted.body));
    const link = page.getByRole("listitem", { name: "Our terms" }).getByRole("link", { name: /terms\.pdf/ });
    const href = await link.getAttribute("href");
    const download = await fetch(href);
    assert.equal(download.status, 200, "the visitor may fetch a file staff sent");
    await context.close();
  } finally {
    await env.cleanup();
  }
});

test("the config applies: side and colours; outside business hours the offline message shows and answers", async () => {
  const env = await startWidgetEnv({
    widget: {
      side: "left", colors: { primary: "#0f766e", secondary: "#ffffff" },
      business_hours: { timezone: "UTC", days: {} }, offline_message: "We are closed. Leave a message.",
    },
  });
  try {
    const { context, page } = await openWidgetPage(browser, env);
    const bubble = page.getByRole("button", { name: "Open chat" });
    assert.ok((await bubble.boundingBox()).x < 100, "on the left");
    assert.equal(await bubble.evaluate((b) => getComputedStyle(b).backgroundColor), "rgb(15, 118, 110)");
    await page.getByRole("button", { name: "Open chat" }).click();
    const log = page.getByRole("log", { name: "Messages" });
    await log.getByText("We are closed. Leave a message.").waitFor();
    assert.equal(await log.getByText("Hi! How can we help?").count(), 0);
    await page.getByRole("textbox", { name: "Message" }).fill("Are you there?");
    await page.getByRole("button", { name: "Send" }).click();
    await log.getByRole("listitem", { name: "We are closed. Leave a message." }).waitFor();
    await context.close();
  } finally {
    await env.cleanup();
  }
});

test("keyboard only: Tab to the bubble, Enter opens with focus inside, Escape closes back to the bubble", async () => {
  const env = await startWidgetEnv();
  try {
    const { context, page } = await openWidgetPage(browser, env);
    await page.locator("#host-button").focus();
    await page.keyboard.press("Tab");
    assert.equal(await focusedName(page), "Open chat");
    await page.keyboard.press("Enter");
    await page.getByRole("dialog").waitFor();
    await waitUntil(async () => (await focusedName(page)) === "Message", { what: "focus in the message box" });
    await page.keyboard.type("typed with the keyboard");
    await page.keyboard.press("Enter");
    await page.getByRole("listitem", { name: "typed with the keyboard" }).getByText("Delivered").waitFor();
    await page.keyboard.press("Escape");
    await page.getByRole("dialog").waitFor({ state: "hidden" });
    assert.equal(await focusedName(page), "Open chat");
    await page.keyboard.press("Space");
    await page.getByRole("dialog").waitFor();
    await page.keyboard.press("Shift+Tab");
    assert.equal(await focusedName(page), "Attach a file");
    await context.close();
  } finally {
    await env.cleanup();
  }
});

test("German from the browser's language; the sound toggle, off by default, is kept", async () => {
  const env = await startWidgetEnv();
  try {
    const { context, page } = await openWidgetPage(browser, env, { locale: "de-DE" });
    await page.getByRole("button", { name: "Chat öffnen" }).click();
    await page.getByRole("button", { name: "Chat schließen" }).waitFor();
    await page.getByRole("textbox", { name: "Nachricht" }).fill("Hallo");
    await page.getByRole("button", { name: "Senden" }).click();
    await page.getByRole("listitem", { name: "Hallo" }).getByText("Zugestellt").waitFor();
    await page.getByRole("button", { name: "Datei anhängen" }).waitFor();
    await page.getByRole("button", { name: "Chat beenden" }).waitFor();
    const sound = page.getByRole("button", { name: "Ton", exact: true });
    assert.equal(await sound.getAttribute("aria-pressed"), "false", "sound is off by default");
    await sound.click();
    await page.reload();
    await page.getByRole("button", { name: "Chat öffnen" }).click();
    assert.equal(await page.getByRole("button", { name: "Ton", exact: true }).getAttribute("aria-pressed"), "true", "the choice is kept");
    await context.close();
  } finally {
    await env.cleanup();
  }
});

test("JS API: open, close, identify, events, the unread badge, destroy", async () => {
  const env = await startWidgetEnv();
  try {
    const { context, page } = await openWidgetPage(browser, env);
    await page.evaluate(() => {
      window.seen = [];
      for (const event of ["open", "close", "message", "unread"])
        window.Switchboard.on(event, (data) => window.seen.push([event, event === "message" ? data.text : data ?? null]));
    });
    await page.evaluate(() => window.Switchboard.identify({ name: "Api Person", email: "api@example.com" }));
    await page.evaluate(() => window.Switchboard.open());
    await page.getByRole("textbox", { name: "Message" }).fill("via the API");
    await page.keyboard.press("Enter");
    await page.getByRole("listitem", { name: "via the API" }).getByText("Delivered").waitFor();
    await page.evaluate(() => window.Switchboard.close());
    await page.getByRole("dialog").waitFor({ state: "hidden" });

    const conversation = await newestConversation(env.server, env.token, (c) => c.visitor.name === "Api Person");
    await env.server.api(env.token, "POST", `/conversations/${conversation.id}/messages`, { client_msg_id: "a1", text: "An answer" });
    const bubble = page.getByRole("button", { name: "Open chat" });
    await waitUntil(async () => (await bubble.evaluate((b) => b.getRootNode().getElementById(b.getAttribute("aria-describedby")).textContent)) === "1 unread messages", { what: "the unread description" });
    await bubble.getByText("1").waitFor();
    await bubble.click();
    await page.getByRole("listitem", { name: "An answer" }).waitFor();
    await waitUntil(() => page.evaluate(() => window.seen.some(([e, n]) => e === "unread" && n === 0)), { what: "unread back to 0" });
    assert.deepEqual(await page.evaluate(() => window.seen), [
      ["open", null], ["message", "via the API"], ["close", null], ["message", "An answer"], ["unread", 1], ["open", null], ["unread", 0],
    ]);
    await page.evaluate(() => window.Switchboard.destroy());
    assert.deepEqual(await page.evaluate(() => [typeof window.Switchboard, document.querySelectorAll("switchboard-widget").length]), ["undefined", 0]);
    await context.close();
  } finally {
    await env.cleanup();
  }
});

test("a page whose origin the widget does not allow gets no bubble and no socket", async () => {
  const env = await startWidgetEnv();
  try {
    await env.server.api(env.token, "PATCH", `/widgets/${env.siteKey}`, { allowed_origins: ["https://elsewhere.example"] });
    const context = await browser.newContext();
    const page = await context.newPage();
    const sockets = [];
    page.on("websocket", (ws) => sockets.push(ws.url()));
    await page.goto(env.host.url);
    await waitUntil(() => page.evaluate(() => performance.getEntriesByType("resource").some((e) => e.name.includes("/config"))), { what: "the config request" });
    await page.waitForTimeout(300);
    assert.equal(await page.getByRole("button", { name: "Open chat" }).count(), 0);
    assert.deepEqual(sockets, []);
    await context.close();
  } finally {
    await env.cleanup();
  }
});
