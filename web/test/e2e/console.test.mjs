// The staff console in headless Chromium against a real switchboard server, driven by role and
// accessible name (UI-CONTRACT.md); visitors are raw visitor sockets. Here: signing in, a whole
// chat (queue, accept, reply, typing, read ticks), the reply box's tools (canned replies,
// private notes, attachments), labels, search, transfer, close, scroll-back, the session's end,
// with axe-core and screenshots. console-live.test.mjs has the dashboard and settings,
// console-resilience.test.mjs a server crash, console-performance.test.mjs the first render
// with 1,000 open conversations.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launchBrowser, openAgentSocket, outputPath, pngBytes, startServer, waitUntil } from "./harness.mjs";
import { assertAccessible, consoleToken, openConsolePage, signIn, startVisitor } from "./console-support.mjs";

const LIMITS = ["--visitor-rate", "1000000", "--visitor-burst", "1000000", "--staff-write-rate", "100000"];
let browser;
let server;
let token;
let siteKey;

before(async () => {
  browser = await launchBrowser();
  server = await startServer({ args: LIMITS });
  token = await server.login();
  siteKey = (await server.createWidget(token, { name: "Shop" })).site_key;
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const openConsole = (options = {}) => openConsolePage(browser, { viewport: { width: 1400, height: 860 }, ...options });

const messagesLog = (page) => page.getByRole("log", { name: "Messages" });
const messageItem = (page, text) => messagesLog(page).getByRole("listitem").filter({ hasText: text });

test("the login screen is accessible, explains a wrong password and signs in", async () => {
  const { context, page, errors } = await openConsole();
  await page.goto(`${server.baseUrl}/console/`);
  await assertAccessible(page, "login");
  await page.getByRole("textbox", { name: "Email" }).fill("admin@example.com");
  await page.getByRole("textbox", { name: "Password" }).fill("wrong-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("alert").filter({ hasText: "do not match" }).waitFor();
  await page.getByRole("textbox", { name: "Password" }).fill("test-pass-123");
  await page.getByRole("button", { name: "Sign in" }).click();
  const nav = page.getByRole("navigation", { name: "Main" });
  for (const name of ["Inbox", "Dashboard", "Settings"]) await nav.getByRole("link", { name }).waitFor();
  for (const name of ["Waiting", "Mine", "Open", "Closed"]) await page.getByRole("tab", { name }).waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});

test("a visitor waits, the agent accepts and replies, sees typing and the read ticks", async () => {
  const { context, page, errors } = await openConsole();
  await signIn(page, server);
  await page.getByRole("tab", { name: "Waiting" }).click();
  const alice = await startVisitor(browser, server, siteKey, { name: "Alice Martin", email: "alice@example.com", text: "Hello, I need help with my order" });
  const row = page.getByRole("listitem", { name: /^Alice Martin/ });
  await row.waitFor();
  await waitUntil(async () => /^\(\d+\) /.test(await page.title()), { what: "the waiting count in the tab title" });
  await assertAccessible(page, "inbox");
  await page.screenshot({ path: outputPath("console-inbox.png") });

  await row.getByRole("link").click();
  await messageItem(page, "Hello, I need help with my order").waitFor();
  await page.getByRole("button", { name: "Accept" }).click();
  await page.getByRole("tab", { name: "Mine", selected: true }).waitFor();
  await page.getByRole("listitem", { name: /^Alice Martin/ }).waitFor();
  await alice.socket.waitFor({ type: "status", status: "active" });

  await alice.socket.send({ type: "typing", on: true });
  await page.getByRole("status").filter({ hasText: "Alice Martin is typing…" }).waitFor();
  await page.getByRole("textbox", { name: "Reply" }).fill("Hi Alice, happy to help");
  await page.getByRole("button", { name: "Send" }).click();
  const reply = await alice.socket.waitFor({ type: "message", text: "Hi Alice, happy to help" });
  await messageItem(page, "Hi Alice, happy to help").getByText("Sent").waitFor();
  await alice.socket.send({ type: "read", conversation_id: alice.conversationId, seq: reply.seq });
  await messageItem(page, "Hi Alice, happy to help").getByText("Read").waitFor();
  await alice.socket.send({ type: "message", client_msg_id: "second", text: "It is order 1234" });
  await messageItem(page, "It is order 1234").waitFor();

  await assertAccessible(page, "conversation");
  await page.screenshot({ path: outputPath("console-conversation.png") });
  assert.deepEqual(errors, []);
  await alice.socket.close();
  await context.close();
});

test("canned replies, private notes, attachments, labels, search, transfer and close", async () => {
  await server.api(token, "POST", "/canned", { shortcut: "thanks", text: "Thanks for waiting! Let me check that for you." });
  const bob = await server.api(token, "POST", "/users", { email: "bob@example.com", password: "bob-pass-123", name: "Bob Agent", role: "agent" });
  assert.equal(bob.status, 201);
  const bobSocket = await openAgentSocket(browser, server, await server.login("bob@example.com", "bob-pass-123"));
  const { context, page, errors } = await openConsole();
  await signIn(page, server);
  const bruno = await startVisitor(browser, server, siteKey, { name: "Bruno Costa", email: "bruno@example.com", text: "Where is my parcel?" });
  await page.getByRole("tab", { name: "Waiting" }).click();
  await page.getByRole("listitem", { name: /^Bruno Costa/ }).getByRole("link").click();
  await page.getByRole("button", { name: "Accept" }).click();
  await page.getByRole("tab", { name: "Mine", selected: true }).waitFor();

  const reply = page.getByRole("textbox", { name: "Reply" });
  await reply.pressSequentially("/tha");
  await page.getByRole("listbox", { name: "Canned replies" }).getByRole("option", { name: /thanks/ }).waitFor();
  await reply.press("Enter");
  assert.equal(await reply.inputValue(), "Thanks for waiting! Let me check that for you.");
  await page.getByRole("button", { name: "Send" }).click();
  await bruno.socket.waitFor({ type: "message", text: "Thanks for waiting! Let me check that for you." });

  await page.getByRole("checkbox", { name: "Private note" }).check();
  await reply.fill("VIP customer: offer free shipping");
  await page.getByRole("button", { name: "Send" }).click();
  await messageItem(page, "VIP customer: offer free shipping").getByText("Private note").waitFor();
  await page.getByRole("checkbox", { name: "Private note" }).uncheck();

  const chooser = page.waitForEvent("filechooser");
  await page.getByRole("button", { name: "Attach a file" }).click();
  await (await chooser).setFiles({ name: "receipt.png", mimeType: "image/png", buffer: pngBytes(40, 30) });
  await page.getByRole("list", { name: "Attachments to send" }).getByText("receipt.png").waitFor();
  await reply.fill("Here is your receipt");
  await page.getByRole("button", { name: "Send" }).click();
  const withFile = await bruno.socket.waitFor({ type: "message", text: "Here is your receipt" });
  assert.equal(withFile.attachments[0].content_type, "image/png");
  await messageItem(page, "Here is your receipt").getByRole("img", { name: "receipt.png" }).waitFor();
  const seen = JSON.stringify(await bruno.socket.frames());
  assert.ok(!seen.includes("VIP customer"), "the visitor never gets a private note");

  await page.getByRole("combobox", { name: "Add a label" }).fill("vip");
  await page.getByRole("combobox", { name: "Add a label" }).press("Enter");
  await page.getByRole("button", { name: "Remove label vip" }).waitFor();
  await waitUntil(async () => (await server.api(token, "GET", `/conversations/${bruno.conversationId}`)).body.labels?.includes("vip"), { what: "the label stored" });
  await page.getByRole("combobox", { name: "Filter by label" }).selectOption("vip");
  await page.getByRole("listitem", { name: /^Bruno Costa/ }).waitFor();
  await page.getByRole("combobox", { name: "Filter by label" }).selectOption("");
  await page.getByRole("searchbox", { name: "Search visitors" }).fill("zzz");
  await page.getByText("No conversation matches.").waitFor();
  await page.getByRole("searchbox", { name: "Search visitors" }).fill("bru");
  await page.getByRole("listitem", { name: /^Bruno Costa/ }).waitFor();
  await page.getByRole("searchbox", { name: "Search visitors" }).fill("");

  await page.getByRole("button", { name: "Transfer" }).click();
  await page.getByRole("menuitem", { name: /Bob Agent/ }).click();
  await bobSocket.waitFor({ type: "assigned", conversation: { id: bruno.conversationId } });
  await page.getByText("with Bob Agent").waitFor();
  await page.getByRole("button", { name: "Close conversation" }).click();
  await bruno.socket.waitFor({ type: "status", status: "closed" });
  await page.getByText("This conversation is closed.").waitFor();
  await page.getByRole("tab", { name: "Closed" }).click();
  await page.getByRole("listitem", { name: /^Bruno Costa/ }).waitFor();
  assert.deepEqual(errors, []);
  await bobSocket.close();
  await bruno.socket.close();
  await context.close();
});

test("scrolling up pages through a long history", async () => {
  const chloe = await startVisitor(browser, server, siteKey, { name: "Chloe Long", email: "chloe@example.com", text: "Message 0" });
  for (let i = 1; i <= 130; i++) await chloe.socket.send({ type: "message", client_msg_id: `m${i}`, text: `Message ${i}` });
  await chloe.socket.waitFor({ type: "ack", client_msg_id: "m130" });
  const { context, page, errors } = await openConsole();
  await signIn(page, server, { path: `/console/inbox/${chloe.conversationId}` });
  await messageItem(page, "Message 130").waitFor();
  const exactly = (text) => messagesLog(page).getByText(text, { exact: true });
  assert.equal(await exactly("Message 10").count(), 0, "only the last page at first");
  const log = messagesLog(page);
  await waitUntil(async () => {
    await log.evaluate((el) => (el.scrollTop = 0));
    return (await exactly("Message 0").count()) === 1;
  }, { timeout: 15_000, what: "the first message after scrolling up" });
  assert.equal(await log.getByText(/^Message \d+$/).count(), 131, "each message once");
  assert.deepEqual(errors, []);
  await chloe.socket.close();
  await context.close();
});

test("an ended session goes back to the login screen with a message; Log out signs out", async () => {
  const { context, page } = await openConsole();
  await signIn(page, server);
  const r = await server.api(await consoleToken(page), "POST", "/auth/logout");
  assert.equal(r.status, 200);
  await page.getByRole("status").filter({ hasText: "Please sign in again" }).waitFor();
  await page.getByRole("textbox", { name: "Email" }).waitFor();
  await signIn(page, server);
  await page.getByRole("button", { name: "Log out" }).click();
  await page.getByRole("button", { name: "Sign in" }).waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem("switchboard.console.session")), null, "the token is forgotten");
  await context.close();
});
