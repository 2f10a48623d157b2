import { test } from "node:test";
import assert from "node:assert/strict";
import { createApi, forEachPage } from "../../console/src/lib/api.js";
import { loadSession, saveSession, clearSession } from "../../console/src/lib/session.js";
import { createStore } from "../../console/src/lib/store.js";

function fakeFetch(responses) {
  const calls = [];
  const fetchImpl = async (url, init) => {
    calls.push({ url, init });
    const r = responses.shift();
    return new Response(r.body === undefined ? "" : JSON.stringify(r.body), { status: r.status ?? 200, headers: r.headers });
  };
  return { fetchImpl, calls };
}

test("calls carry the bearer token, JSON bodies and query strings without empty values", async () => {
  const { fetchImpl, calls } = fakeFetch([{ body: { items: [] } }, { status: 201, body: { id: "x" } }]);
  const api = createApi({ getToken: () => "tok", fetchImpl });
  await api.get("/conversations", { status: "active", q: "", label: undefined, limit: 50 });
  assert.equal(calls[0].url, "/api/v1/conversations?status=active&limit=50");
  assert.equal(calls[0].init.headers.Authorization, "Bearer tok");
  assert.deepEqual(await api.post("/canned", { shortcut: "hi" }), { id: "x" });
  assert.equal(calls[1].init.body, '{"shortcut":"hi"}');
  assert.equal(calls[1].init.headers["Content-Type"], "application/json");
});

test("errors carry the server's code and message; a 401 ends the session", async () => {
  const ended = [];
  const { fetchImpl } = fakeFetch([
    { status: 409, body: { error: { code: "conflict", message: "taken" } } },
    { status: 401, body: { error: { code: "unauthorized", message: "expired" } } },
    { status: 429, body: { error: { code: "rate_limited", message: "slow" } }, headers: { "Retry-After": "60" } },
  ]);
  const api = createApi({ getToken: () => "tok", onUnauthorized: (m) => ended.push(m), fetchImpl });
  await assert.rejects(api.post("/conversations/c/accept"), { status: 409, code: "conflict", message: "taken" });
  await assert.rejects(api.get("/me"), { status: 401 });
  assert.equal(ended.length, 1);
  await assert.rejects(api.post("/x"), { status: 429, retryAfter: "60" });
});

test("a refused flow names its node", async () => {
  const { fetchImpl } = fakeFetch([
    { status: 400, body: { error: { code: "bad_request", message: "node route: else is required", node: "route" } } },
    { status: 400, body: { error: { code: "bad_request", message: "start is required" } } },
  ]);
  const api = createApi({ getToken: () => "tok", fetchImpl });
  await assert.rejects(api.post("/flows", {}), { status: 400, message: "node route: else is required", node: "route" });
  await assert.rejects(api.post("/flows", {}), (e) => e.node === undefined && e.message === "start is required");
});

test("a network failure is an ApiError with a readable message", async () => {
  const api = createApi({ getToken: () => null, fetchImpl: async () => { throw new TypeError("fetch failed"); } });
  await assert.rejects(api.get("/me"), { status: 0, code: "network" });
});

test("forEachPage follows next_cursor until it is null", async () => {
  const { fetchImpl, calls } = fakeFetch([{ body: { items: [1, 2], next_cursor: "c1" } }, { body: { items: [3], next_cursor: null } }]);
  const api = createApi({ getToken: () => "t", fetchImpl });
  const seen = [];
  await forEachPage(api, "/conversations", { status: "closed" }, (items) => seen.push(...items));
  assert.deepEqual(seen, [1, 2, 3]);
  assert.equal(calls[1].url, "/api/v1/conversations?status=closed&cursor=c1");
});

function memoryStorage() {
  const m = new Map();
  return { getItem: (k) => (m.has(k) ? m.get(k) : null), setItem: (k, v) => m.set(k, String(v)), removeItem: (k) => m.delete(k), size: () => m.size };
}

test("the session lives in sessionStorage, or localStorage when remembered, never both", () => {
  const stores = { session: memoryStorage(), local: memoryStorage() };
  const s = { token: "t", user: { id: "u" } };
  saveSession(s, false, stores);
  assert.deepEqual(loadSession(stores), s);
  assert.equal(stores.local.size(), 0);
  saveSession(s, true, stores);
  assert.equal(stores.session.size(), 0);
  assert.deepEqual(loadSession(stores), s);
  clearSession(stores);
  assert.equal(loadSession(stores), null);
  stores.session.setItem("switchboard.console.session", "{not json");
  assert.equal(loadSession(stores), null);
});

test("the store notifies on change only", () => {
  const store = createStore((s, a) => (a.type === "inc" ? s + 1 : s), 0);
  const seen = [];
  store.subscribe((s) => seen.push(s));
  store.dispatch({ type: "inc" });
  store.dispatch({ type: "noop" });
  assert.deepEqual(seen, [1]);
  assert.equal(store.getState(), 1);
});
