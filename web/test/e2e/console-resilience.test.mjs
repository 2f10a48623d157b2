// The console across a server crash: SIGKILL mid-conversation, a reply typed while the server
// is down, a restart on the same data dir. The console shows that it is offline, reconnects by
// itself, sends the reply once, and shows every message once; the visitor resumes by seq.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launchBrowser, openSocket, startServer, waitUntil } from "./harness.mjs";
import { signIn, startVisitor, wsBase } from "./console-support.mjs";

let browser;
let server;

before(async () => {
  browser = await launchBrowser();
  server = await startServer({ args: ["--visitor-rate", "1000000", "--visitor-burst", "1000000"] });
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test("killing and restarting the server mid-conversation loses nothing in the console", async () => {
  const token = await server.login();
  const { site_key: siteKey } = await server.createWidget(token, { name: "Shop" });
  const dora = await startVisitor(browser, server, siteKey, { name: "Dora Crash", email: "dora@example.com", text: "Before the crash" });
  const welcome = (await dora.socket.frames()).find((f) => f.type === "welcome");
  const context = await browser.newContext({ viewport: { width: 1400, height: 860 } });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await signIn(page, server, { path: `/console/inbox/${dora.conversationId}` });
  const log = page.getByRole("log", { name: "Messages" });
  await log.getByText("Before the crash").waitFor();
  await page.getByRole("button", { name: "Accept" }).click();
  await page.getByRole("textbox", { name: "Reply" }).fill("Reply before the crash");
  await page.getByRole("button", { name: "Send" }).click();
  await dora.socket.waitFor({ type: "message", text: "Reply before the crash" });

  await server.kill();
  const lastSeen = Math.max(...(await dora.socket.frames()).filter((f) => f.seq).map((f) => f.seq));
  await dora.socket.close();
  await page.getByRole("status").filter({ hasText: /Offline|Connecting/ }).waitFor();
  await page.getByRole("textbox", { name: "Reply" }).fill("Written while the server was down");
  await page.getByRole("button", { name: "Send" }).click();
  await log.getByText("Sending…").waitFor();

  await server.restart();
  await page.getByRole("status").filter({ hasText: /Offline|Connecting/ }).waitFor({ state: "detached", timeout: 30_000 });
  const back = await openSocket(browser, `${server.baseUrl}/healthz`, `${wsBase(server)}/ws/visitor?site_key=${siteKey}`,
    { type: "hello", visitor_token: welcome.visitor_token, resume: { conversation_id: dora.conversationId, after_seq: lastSeen } });
  await back.waitFor({ type: "message", text: "Written while the server was down" }, 30_000);
  await back.send({ type: "message", client_msg_id: "after", text: "After the restart" });
  await log.getByText("After the restart").waitFor();

  for (const text of ["Before the crash", "Reply before the crash", "Written while the server was down", "After the restart"])
    assert.equal(await log.getByText(text, { exact: true }).count(), 1, `"${text}" shown once`);
  await waitUntil(async () => (await log.getByText("Sending…").count()) === 0, { what: "no message left pending" });
  const storedCopies = async () => (await server.api(token, "GET", `/conversations/${dora.conversationId}/messages`)).body.items
    .filter((m) => m.text === "Written while the server was down").length;
  await waitUntil(async () => (await storedCopies()) > 0, { what: "the history read model has the reply" });
  assert.equal(await storedCopies(), 1, "stored once");
  assert.deepEqual(errors, []);
  await back.close();
  await context.close();
});
