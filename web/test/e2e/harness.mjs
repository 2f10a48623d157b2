// End-to-end helpers shared by the widget's and the console's browser tests: a switchboard
// server on its own data dir and free port, the staff API, a host page on another origin that
// embeds the widget, headless Chromium, and raw sockets (agent or visitor) driven in a page.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { crc32, deflateSync } from "node:zlib";
import { chromium } from "playwright-core";

const web = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const WEB_DIST = join(web, "dist");
export const TEST_OUTPUT = join(web, "test-output");
export const AXE_PATH = join(web, "node_modules", "axe-core", "axe.min.js");
export const SWITCHBOARD_BIN = process.env.SWITCHBOARD_BIN || join(web, "..", "build", "switchboard");
export const ADMIN = { email: "admin@example.com", password: "test-pass-123" };
const START_TIMEOUT_MS = 20_000;

export async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Servers still running when the test process exits (a test that threw before its cleanup).
const running = new Set();
process.on("exit", () => { for (const child of running) child.kill("SIGKILL"); });

// Starts switchboard on 127.0.0.1 with a fresh data dir and a free port, serving web/dist;
// `args` are extra flags. kill() is SIGKILL; restart() starts it again on the same data dir
// and port; stop() is SIGTERM and removes the data dir.
export async function startServer({ args = [] } = {}) {
  const port = await freePort();
  const root = mkdtempSync(join(tmpdir(), "sb-e2e-"));
  const dataDir = join(root, "data");
  const argv = [
    "--data-dir", dataDir, "--http-port", String(port), "--http-address", "127.0.0.1",
    "--admin-email", ADMIN.email, "--admin-password", ADMIN.password, "--web-dir", WEB_DIST, ...args,
  ];
  const baseUrl = `http://127.0.0.1:${port}`;
  let child;
  let output = "";
  const launch = async () => {
    child = spawn(SWITCHBOARD_BIN, argv, { stdio: ["ignore", "pipe", "pipe"] });
    const current = child;
    running.add(current);
    current.exited = new Promise((resolve) => current.once("exit", (code, signal) => {
      running.delete(current);
      resolve({ code, signal });
    }));
    for (const stream of [child.stdout, child.stderr]) stream.on("data", (d) => (output += d));
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`switchboard exited ${child.exitCode}:\n${output}`);
      try {
        if ((await fetch(`${baseUrl}/healthz`)).ok) return;
      } catch { /* not listening yet */ }
      await sleep(50);
    }
    child.kill("SIGKILL");
    throw new Error(`switchboard did not answer /healthz within ${START_TIMEOUT_MS} ms:\n${output}`);
  };
  const halt = async (signal) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return child.exited;
  };
  await launch();
  return {
    baseUrl, port, dataDir,
    restart: launch,
    kill: () => halt("SIGKILL"),
    async stop() {
      const result = await halt("SIGTERM");
      rmSync(root, { recursive: true, force: true });
      return result;
    },
    // the staff API of this server (see the module-level functions)
    login: (email, password) => login(baseUrl, email, password),
    api: (token, method, path, body) => api(baseUrl, token, method, path, body),
    createWidget: (token, settings) => createWidget(baseUrl, token, settings),
  };
}

// A staff call: `path` below /api/v1. Answers {status, body, headers}.
export async function api(baseUrl, token, method, path, body) {
  const headers = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${baseUrl}/api/v1${path}`, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed = text;
  try { parsed = JSON.parse(text); } catch { /* not JSON */ }
  return { status: response.status, body: parsed, headers: response.headers };
}

export async function login(baseUrl, email = ADMIN.email, password = ADMIN.password) {
  const r = await api(baseUrl, undefined, "POST", "/auth/login", { email, password });
  if (r.status !== 200) throw new Error(`login ${email}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.token;
}

// POST /widgets; answers the widget (with its site_key).
export async function createWidget(baseUrl, token, settings = {}) {
  const r = await api(baseUrl, token, "POST", "/widgets", { name: "e2e", ...settings });
  if (r.status !== 201) throw new Error(`create widget: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

// Polls `check` (async, truthy when done) until it holds or `timeout` ms pass.
export async function waitUntil(check, { timeout = 10_000, interval = 100, what = "condition" } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(interval);
  }
}

// A host page on another origin than the server (localhost vs 127.0.0.1) that embeds the
// widget with the one-line snippet. `/` is the page, `/blank` an empty page of that origin.
// `head` is extra markup for the page's <head> (e.g. a script that runs before the widget).
export async function startHostPage(siteKey, baseUrl, { head = "", lang } = {}) {
  const snippet = `<script src="${baseUrl}/widget.js" data-site-key="${siteKey}"${lang ? ` data-lang="${lang}"` : ""} async></script>`;
  const page = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Host shop</title>
<style>body{font:16px Georgia,serif;margin:0;padding:24px;background:#fafafa}button{background:#b00;color:#fff}
h1{color:#123}main{max-width:640px}</style>${head}</head>
<body><main><h1>Host shop</h1><p>Our products are great. Ask us anything.</p>
<button type="button" id="host-button">A host button</button></main>${snippet}</body></html>`;
  const server = createServer((req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    if (path !== "/" && path !== "/blank") {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
    res.end(path === "/" ? page : "<!doctype html><title>blank</title>");
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://localhost:${server.address().port}`;
  return {
    origin,
    url: `${origin}/`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

// The newest conversation in GET /conversations once `accept(item)` holds for it (read models
// follow the log: a conversation acked a moment ago may not be listed yet).
export function newestConversation(server, token, accept = () => true) {
  return waitUntil(async () => {
    const item = (await server.api(token, "GET", "/conversations")).body.items?.[0];
    return item && accept(item) ? item : null;
  }, { what: "the newest conversation" });
}

// A server, a widget (`widget`: its settings) whose allowed_origins is exactly the host page's
// origin, and that host page. cleanup() stops both.
export async function startWidgetEnv({ serverArgs = [], widget = {}, lang } = {}) {
  const server = await startServer({ args: serverArgs });
  const token = await server.login();
  const created = await server.createWidget(token, widget);
  const host = await startHostPage(created.site_key, server.baseUrl, { lang });
  const patched = await server.api(token, "PATCH", `/widgets/${created.site_key}`, { allowed_origins: [host.origin] });
  if (patched.status !== 200) throw new Error(`allowed_origins: ${patched.status} ${JSON.stringify(patched.body)}`);
  return {
    server, token, host, siteKey: created.site_key,
    async cleanup() {
      await host.close();
      await server.stop();
    },
  };
}

// A fresh browser context on the env's host page, once the widget's bubble is there.
export async function openWidgetPage(browser, env, contextOptions = {}) {
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();
  page.on("pageerror", (e) => console.error("page error:", e));
  await page.goto(env.host.url);
  await page.getByRole("button", { name: /^(Open chat|Chat öffnen)$/ }).waitFor();
  return { context, page };
}

// The accessible names of the widget's messages, in order (day separators and status notes,
// listitems without an aria-label, left out).
export function widgetMessages(page) {
  return page.getByRole("log").getByRole("listitem").evaluateAll((items) =>
    items.map((li) => li.getAttribute("aria-label")).filter((name) => name !== null));
}

// A valid RGB PNG of random pixels (incompressible: about 3 * width * height bytes).
export function pngBytes(width, height) {
  const chunk = (type, data) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length);
    head.write(type, 4, "latin1");
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])));
    return Buffer.concat([head, data, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let i = 0; i < rows.length; i++) rows[i] = i % (width * 3 + 1) === 0 ? 0 : Math.floor(Math.random() * 256);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header), chunk("IDAT", deflateSync(rows)), chunk("IEND", Buffer.alloc(0)),
  ]);
}

export function launchBrowser() {
  return chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: ["--headless", "--no-sandbox"] });
}

// A raw WebSocket driven inside a browser page (Node 20 has no WebSocket client without a
// flag). `pageUrl` decides the Origin the server sees. Answers {send, waitFor, frames, close}:
// waitFor(match) resolves with the first frame (received since the socket opened) whose
// fields include `match` (deeply).
export async function openSocket(browser, pageUrl, wsUrl, hello) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(pageUrl);
  await page.evaluate(([url, first]) => new Promise((resolve, reject) => {
    const frames = [];
    const ws = new WebSocket(url);
    Object.assign(window, { sbFrames: frames, sbSocket: ws });
    ws.onmessage = (e) => frames.push(JSON.parse(e.data));
    ws.onopen = () => { ws.send(JSON.stringify(first)); resolve(); };
    ws.onerror = () => reject(new Error(`cannot open ${url}`));
  }), [wsUrl, hello]);
  const find = (match) => page.evaluate((m) => {
    const includes = (value, part) => part !== null && typeof part === "object"
      ? value !== null && typeof value === "object" && Object.keys(part).every((k) => includes(value[k], part[k]))
      : value === part;
    return window.sbFrames.find((f) => includes(f, m)) ?? null;
  }, match);
  return {
    send: (frame) => page.evaluate((f) => window.sbSocket.send(JSON.stringify(f)), frame),
    waitFor: (match, timeout = 10_000) => waitUntil(() => find(match), { timeout, what: `frame ${JSON.stringify(match)}` }),
    frames: () => page.evaluate(() => window.sbFrames),
    close: () => context.close(),
  };
}

// The agent socket of `server` for a staff token (no Origin check on /ws/agent).
export async function openAgentSocket(browser, server, token) {
  const socket = await openSocket(browser, `${server.baseUrl}/healthz`, `${server.baseUrl.replace("http", "ws")}/ws/agent`, { type: "hello", token });
  await socket.waitFor({ type: "welcome" });
  return socket;
}

// axe-core on the page (or on `context`, an axe context such as "switchboard-widget", whose
// open shadow root axe enters); answers the violations whose impact is serious or critical.
export async function seriousAxeViolations(page, context) {
  await page.addScriptTag({ path: AXE_PATH });
  const violations = await page.evaluate(async (ctx) => {
    const result = await window.axe.run(ctx ?? document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target) }));
  }, context);
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}

export function outputPath(name) {
  mkdirSync(TEST_OUTPUT, { recursive: true });
  return join(TEST_OUTPUT, name);
}
