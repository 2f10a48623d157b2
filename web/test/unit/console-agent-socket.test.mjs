import { test } from "node:test";
import assert from "node:assert/strict";
import { AgentSocket } from "../../console/src/lib/agent-socket.js";
import { reconnectDelay } from "../../console/src/lib/backoff.js";

// A scripted stand-in for the browser WebSocket and the timers.
function harness() {
  const sockets = [];
  const timers = [];
  class FakeWebSocket {
    constructor(url) {
      this.url = url;
      this.sent = [];
      sockets.push(this);
    }
    send(data) { this.sent.push(JSON.parse(data)); }
    close() {}
    open() { this.onopen?.(); }
    receive(frame) { this.onmessage?.({ data: JSON.stringify(frame) }); }
    drop(code = 1006, reason = "") { this.onclose?.({ code, reason }); }
  }
  const frames = [];
  const states = [];
  const ended = [];
  const socket = new AgentSocket({
    url: "ws://test/ws/agent", token: "tok", WebSocketImpl: FakeWebSocket,
    onFrame: (f) => frames.push(f), onState: (s) => states.push(s), onUnauthorized: (r) => ended.push(r),
    setTimer: (fn, ms) => { const t = { fn, ms }; timers.push(t); return t; },
    clearTimer: (t) => { const i = timers.indexOf(t); if (i >= 0) timers.splice(i, 1); },
    random: () => 0.5,
  });
  const runTimers = () => { while (timers.length) timers.shift().fn(); };
  return { socket, sockets, frames, states, ended, timers, runTimers };
}

const welcome = { type: "welcome", user: { id: "us" }, queue: { waiting: [] }, conversations: [] };

test("says hello with the token, then reports live and passes frames on", () => {
  const h = harness();
  h.socket.start();
  h.sockets[0].open();
  assert.deepEqual(h.sockets[0].sent, [{ type: "hello", token: "tok" }]);
  h.sockets[0].receive(welcome);
  assert.deepEqual(h.states, ["connecting", "live"]);
  assert.equal(h.frames[0].type, "welcome");
});

test("after a drop it reconnects and resumes each subscription after the last seq seen", () => {
  const h = harness();
  h.socket.start();
  h.sockets[0].open();
  h.sockets[0].receive(welcome);
  h.socket.subscribe("cv_a", 3);
  assert.deepEqual(h.sockets[0].sent.at(-1), { type: "subscribe", conversation_id: "cv_a", after_seq: 3 });
  h.sockets[0].receive({ type: "message", conversation_id: "cv_a", seq: 4 });
  h.sockets[0].receive({ type: "status", conversation_id: "cv_a", seq: 5 });
  h.sockets[0].drop();
  assert.equal(h.states.at(-1), "offline");
  assert.equal(h.timers[0].ms, reconnectDelay(0, { random: () => 0.5 }));
  h.runTimers();
  h.sockets[1].open();
  h.sockets[1].receive(welcome);
  assert.deepEqual(h.sockets[1].sent.slice(1), [{ type: "subscribe", conversation_id: "cv_a", after_seq: 5 }]);
});

test("unacknowledged messages are resent with the same client_msg_id after a reconnect; acked ones are not", () => {
  const h = harness();
  h.socket.start();
  h.sockets[0].open();
  h.sockets[0].receive(welcome);
  h.socket.sendMessage({ conversation_id: "cv", client_msg_id: "c1", text: "one" });
  h.socket.sendMessage({ conversation_id: "cv", client_msg_id: "c2", text: "two" });
  h.sockets[0].receive({ type: "ack", client_msg_id: "c1", conversation_id: "cv", seq: 7 });
  h.sockets[0].drop();
  h.runTimers();
  h.sockets[1].open();
  h.sockets[1].receive(welcome);
  assert.deepEqual(h.sockets[1].sent.slice(1), [{ type: "message", conversation_id: "cv", client_msg_id: "c2", text: "two" }]);
});

test("watch_stats and presence are restored after a reconnect; unwatch stops that", () => {
  const h = harness();
  h.socket.start();
  h.sockets[0].open();
  h.sockets[0].receive(welcome);
  h.socket.watchStats({ tz: "Europe/Paris" });
  h.socket.setPresence("away");
  h.sockets[0].drop();
  h.runTimers();
  h.sockets[1].open();
  h.sockets[1].receive(welcome);
  assert.deepEqual(h.sockets[1].sent.slice(1), [{ type: "presence", status: "away" }, { type: "watch_stats", tz: "Europe/Paris" }]);
  h.socket.unwatchStats();
  assert.deepEqual(h.sockets[1].sent.at(-1), { type: "unwatch_stats" });
});

test("subscribes are paced: at most a hundred per tick", () => {
  const h = harness();
  h.socket.start();
  h.sockets[0].open();
  h.sockets[0].receive(welcome);
  for (let i = 0; i < 250; i++) h.socket.subscribe(`cv_${i}`, 1);
  const subs = () => h.sockets[0].sent.filter((f) => f.type === "subscribe").length;
  assert.equal(subs(), 1, "the first goes at once, the rest wait for the tick");
  h.timers.shift().fn();
  assert.equal(subs(), 101);
  h.timers.shift().fn();
  assert.equal(subs(), 201);
  h.timers.shift().fn();
  assert.equal(subs(), 250);
});

test("a lower after_seq replays (resubscribes); a higher one is already covered", () => {
  const h = harness();
  h.socket.start();
  h.sockets[0].open();
  h.sockets[0].receive(welcome);
  h.socket.subscribe("cv", 8);
  h.socket.subscribe("cv", 9);
  h.socket.subscribe("cv", 2);
  h.runTimers();
  assert.deepEqual(h.sockets[0].sent.filter((f) => f.type === "subscribe").map((f) => f.after_seq), [8, 2]);
});

test("a refused token (close 4401) ends the session once and stops reconnecting", () => {
  const h = harness();
  h.socket.start();
  h.sockets[0].open();
  h.sockets[0].receive({ type: "error", code: "unauthorized", message: "bad token" });
  h.sockets[0].drop(4401, "unauthorized");
  assert.deepEqual(h.ended, ["bad token"]);
  assert.equal(h.timers.length, 0);
});

test("an expired session closes a live socket with 4401: the session ends", () => {
  const h = harness();
  h.socket.start();
  h.sockets[0].open();
  h.sockets[0].receive(welcome);
  h.sockets[0].drop(4401, "token expired");
  assert.deepEqual(h.ended, ["token expired"]);
});

test("backoff grows exponentially with jitter and is capped", () => {
  assert.equal(reconnectDelay(0, { random: () => 0 }), 250);
  assert.equal(reconnectDelay(0, { random: () => 1 }), 500);
  assert.equal(reconnectDelay(3, { random: () => 1 }), 4000);
  assert.equal(reconnectDelay(20, { random: () => 1 }), 30000);
  assert.equal(reconnectDelay(20, { random: () => 0 }), 15000);
});
