// Helpers for the console's browser tests, on top of harness.mjs: signing in through the login
// screen, visitors driven by raw visitor sockets, seeding many conversations quickly, and the
// Performance API figures the console records.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { after, before } from "node:test";
import { ADMIN, AXE_PATH, launchBrowser, openSocket, startServer, waitUntil } from "./harness.mjs";

export const wsBase = (server) => server.baseUrl.replace(/^http/, "ws");

/** Signs in through the login form; resolves once the console's navigation is shown. */
export async function signIn(page, server, { email = ADMIN.email, password = ADMIN.password, path = "/console/" } = {}) {
  await page.goto(`${server.baseUrl}${path}`);
  await page.getByRole("textbox", { name: "Email" }).fill(email);
  await page.getByRole("textbox", { name: "Password" }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("navigation", { name: "Main" }).waitFor();
}

/**
 * Chromium, a server (`args`: extra flags), the admin's token and a widget "Shop" for a test
 * file: started before its tests, stopped after. The fields are set once `before` has run.
 */
export function useConsoleServer({ args = [] } = {}) {
  const env = { browser: null, server: null, token: null, siteKey: null };
  before(async () => {
    env.browser = await launchBrowser();
    env.server = await startServer({ args });
    env.token = await env.server.login();
    env.siteKey = (await env.server.createWidget(env.token, { name: "Shop" })).site_key;
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.stop();
  });
  return env;
}

/** A new context and page; page errors and CSP refusals are collected in `errors`. */
export async function openConsolePage(browser, contextOptions = {}) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, ...contextOptions });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => m.type() === "error" && /Content Security Policy/.test(m.text()) && errors.push(m.text()));
  return { context, page, errors };
}

/** Fails on axe-core's serious and critical violations, naming `what` was checked. */
export async function assertAccessible(page, what) {
  const violations = await seriousViolationsUnderCsp(page);
  assert.deepEqual(violations, [], `${what}: ${JSON.stringify(violations, null, 2)}`);
}

/** The staff token the console signed in with. */
export function consoleToken(page) {
  return page.evaluate(() => JSON.parse(sessionStorage.getItem("switchboard.console.session")).token);
}

/**
 * A visitor on a raw socket (in a browser page, as Node 20 has no WebSocket without a flag):
 * identified, with a first message. Answers the socket, the conversation id and the visitor id.
 */
export async function startVisitor(browser, server, siteKey, { name, email, text }) {
  const socket = await openSocket(browser, `${server.baseUrl}/healthz`, `${wsBase(server)}/ws/visitor?site_key=${siteKey}`, { type: "hello" });
  const welcome = await socket.waitFor({ type: "welcome" });
  await socket.send({ type: "identify", id: "who", name, email });
  await socket.waitFor({ type: "visitor", id: "who" });
  await socket.send({ type: "open", page_url: "https://shop.example/pricing" });
  await socket.send({ type: "message", client_msg_id: "first", text });
  const ack = await socket.waitFor({ type: "ack", client_msg_id: "first" });
  return { socket, conversationId: ack.conversation_id, visitorId: welcome.visitor_id };
}

// The seeding visitors run in a child Node with --experimental-websocket (Node 20 has no global
// WebSocket without it, and Chromium admits only a few WebSocket handshakes at a time per host,
// which makes a thousand visitors take minutes). argv: url count concurrency prefix.
const SEEDER = `
const [url, count, concurrency, prefix] = process.argv.slice(1);
const ids = [];
const one = (i) => new Promise((resolve, reject) => {
  const ws = new WebSocket(url);
  ws.onopen = () => ws.send(JSON.stringify({ type: "hello" }));
  ws.onerror = () => reject(new Error("visitor " + i + ": socket error"));
  ws.onmessage = (e) => {
    const f = JSON.parse(e.data);
    if (f.type === "welcome") {
      ws.send(JSON.stringify({ type: "identify", name: prefix + " " + String(i).padStart(4, "0"), email: "v" + i + "@example.com" }));
      ws.send(JSON.stringify({ type: "message", client_msg_id: "m" + i, text: "Question number " + i }));
    } else if (f.type === "ack") {
      ids.push(f.conversation_id);
      ws.close();
      resolve();
    } else if (f.type === "error") reject(new Error("visitor " + i + ": " + f.code + " " + f.message));
  };
});
let next = 0;
const worker = async () => { while (next < Number(count)) await one(next++); };
await Promise.all(Array.from({ length: Number(concurrency) }, worker));
process.stdout.write(JSON.stringify(ids));
`;

/**
 * `count` visitors, each with one waiting conversation (the server must run with raised
 * visitor limits). Answers the conversation ids.
 */
export async function seedWaitingConversations(server, siteKey, count, { concurrency = 50, prefix = "Visitor" } = {}) {
  const url = `${wsBase(server)}/ws/visitor?site_key=${siteKey}`;
  const child = spawn(process.execPath, ["--experimental-websocket", "--no-warnings", "--input-type=module", "-e", SEEDER, url, String(count), String(concurrency), prefix],
    { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  const code = await new Promise((resolve) => child.once("exit", resolve));
  if (code !== 0) throw new Error(`seeding visitors failed (${code}): ${err}`);
  return JSON.parse(out);
}

/** Runs `fn` over `items` with at most `limit` calls in flight. */
export async function inParallel(items, limit, fn) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

/** The console's own Performance API measures (ms) once they exist. */
export async function firstRenderFigures(page) {
  return waitUntil(() => page.evaluate(() => {
    const get = (name) => performance.getEntriesByName(name, "measure")[0]?.duration;
    const first = get("console:first-render");
    return first === undefined ? null : { firstRender: first, loginToInbox: get("console:login-to-inbox") };
  }), { what: "the console:first-render measure" });
}

/** The number shown in a dashboard hero card (a region named by its title). */
export async function heroValue(page, title) {
  const text = await page.getByRole("region", { name: title, exact: true }).getByRole("paragraph").first().textContent();
  return Number(text.replace(/[^\d.]/g, ""));
}

/**
 * axe-core's serious and critical violations. axe is evaluated through the DevTools protocol
 * rather than a <script> tag, which the console's CSP (same-origin scripts only) refuses.
 */
export async function seriousViolationsUnderCsp(page) {
  axeSource ??= readFileSync(AXE_PATH, "utf8");
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target) }));
  });
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}
let axeSource;
