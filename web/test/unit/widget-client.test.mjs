// The widget's protocol client (widget/src/client.ts) against a fake socket and fake timers.
import assert from "node:assert/strict";
import { test } from "node:test";
import { HEARTBEAT_MS, PONG_TIMEOUT_MS, WELCOME_TIMEOUT_MS } from "../../dist/test/widget-client.mjs";
import { agentMessage, CID, makeClient, visitorMessage } from "./widget-fakes.mjs";

test("first hello carries no token and no resume; the welcome's token is saved", () => {
  const t = makeClient();
  const s = t.welcome();
  assert.deepEqual(s.sent[0], { type: "hello" });
  assert.equal(t.client.state, "online");
  assert.equal(t.lastSaved().token, "tok_1");
});

test("a reconnect says hello with the token and resumes after the last seq shown", () => {
  const t = makeClient();
  const s = t.welcome({ conversation: { id: CID, status: "waiting" } });
  s.receive(agentMessage(1));
  s.receive({ type: "status", conversation_id: CID, seq: 2, ts: 2, status: "waiting", agent: null });
  s.receive(agentMessage(3));
  s.drop();
  assert.equal(t.client.state, "offline");
  t.clock.advance(60_000);
  const again = t.socket();
  assert.notEqual(again, s);
  again.accept();
  assert.deepEqual(again.sent[0], { type: "hello", visitor_token: "tok_1", resume: { conversation_id: CID, after_seq: 3 } });
});

test("a saved conversation is resumed from seq 0 on a new page, so its history shows once", () => {
  const t = makeClient({ saved: { token: "tok_1", conversation: CID } });
  t.socket().accept();
  assert.deepEqual(t.socket().sent[0], { type: "hello", visitor_token: "tok_1", resume: { conversation_id: CID, after_seq: 0 } });
});

test("every seq is shown once: replayed messages and status frames are dropped", () => {
  const t = makeClient();
  const s = t.welcome({ conversation: { id: CID, status: "waiting" } });
  s.receive(agentMessage(1));
  s.receive(agentMessage(2));
  s.receive(agentMessage(2));
  s.receive(agentMessage(1));
  s.drop();
  t.clock.advance(60_000);
  const again = t.welcome({ conversation: { id: CID, status: "waiting" } });
  again.receive(agentMessage(2)); // a server replaying a little too much
  again.receive({ type: "status", conversation_id: CID, seq: 3, ts: 3, status: "active", agent: { id: "us_1", name: "Anna" } });
  again.receive({ type: "status", conversation_id: CID, seq: 3, ts: 3, status: "active", agent: { id: "us_1", name: "Anna" } });
  again.receive(agentMessage(4));
  assert.deepEqual(t.messages().map((m) => m.seq), [1, 2, 4]);
  assert.deepEqual(t.events.filter((e) => e.type === "status").map((e) => e.change.key), [`${CID}:3`]);
});

test("a welcome without the resumed conversation forgets it", () => {
  const t = makeClient({ saved: { token: "tok_old", conversation: "cv_foreign" } });
  t.welcome({ conversation: null });
  assert.equal(t.client.conversation, undefined);
  assert.equal(t.lastSaved().conversation, undefined);
});

test("messages typed offline are kept and sent with their client_msg_id once welcomed", () => {
  const t = makeClient();
  const m = t.client.send("typed before the socket was up");
  assert.equal(m.delivery, "pending");
  assert.deepEqual(t.lastSaved().outbox.map((o) => o.client_msg_id), [m.key]);
  const s = t.welcome();
  assert.deepEqual(s.frames("message"), [{ type: "message", client_msg_id: m.key, text: "typed before the socket was up" }]);
});

test("an unacknowledged message is resent with the same client_msg_id after a reconnect, and not after its ack", () => {
  const t = makeClient();
  const s = t.welcome();
  const m = t.client.send("hello");
  s.drop();
  t.clock.advance(60_000);
  const second = t.welcome({ conversation: null });
  assert.deepEqual(second.frames("message").map((f) => f.client_msg_id), [m.key]);
  second.receive({ type: "ack", client_msg_id: m.key, conversation_id: CID, seq: 1, ts: 5 });
  assert.deepEqual(t.lastSaved().outbox, []);
  second.drop();
  t.clock.advance(60_000);
  const third = t.welcome({ conversation: { id: CID } });
  assert.deepEqual(third.frames("message"), []);
});

test("a message stored before the socket died is recognised in the replay and shown once", () => {
  const t = makeClient({ saved: { token: "tok_1", outbox: [{ client_msg_id: "m1", text: "hi", attachments: [], ts: 1 }] } });
  const s = t.welcome({ conversation: { id: CID } });
  s.receive(visitorMessage(1, "m1")); // the history of the open conversation comes first
  s.receive({ type: "ack", client_msg_id: "m1", conversation_id: CID, seq: 1, ts: 1 }); // the resend's answer
  const shown = t.messages();
  assert.ok(shown.every((m) => m.key === "m1"));
  assert.equal(shown.at(-1).seq, 1);
  assert.equal(shown.at(-1).delivery, "sent");
  assert.deepEqual(t.lastSaved().outbox, []);
});

test("ack marks the message delivered; its message frame updates the same entry; staff's read marks it read", () => {
  const t = makeClient();
  const s = t.welcome();
  const m = t.client.send("hello");
  s.receive({ type: "ack", client_msg_id: m.key, conversation_id: CID, seq: 1, ts: 10 });
  assert.equal(t.client.conversation, CID);
  s.receive(visitorMessage(1, m.key, "hello"));
  s.receive({ type: "read", conversation_id: CID, reader: { kind: "visitor", id: "vi_1" }, seq: 1 });
  assert.equal(t.messages().at(-1).delivery, "sent");
  s.receive({ type: "read", conversation_id: CID, reader: { kind: "agent", id: "us_1" }, seq: 1 });
  const updates = t.messages();
  assert.ok(updates.every((u) => u.key === m.key));
  assert.deepEqual(updates.map((u) => u.delivery), ["pending", "sent", "sent", "read"]);
});

test("an agent's reply marks the visitor's earlier messages read", () => {
  const t = makeClient();
  const s = t.welcome();
  const m = t.client.send("hello");
  s.receive({ type: "ack", client_msg_id: m.key, conversation_id: CID, seq: 1, ts: 10 });
  s.receive(visitorMessage(1, m.key, "hello"));
  s.receive(agentMessage(3));
  assert.equal(t.messages().filter((u) => u.key === m.key).at(-1).delivery, "read");
});

test("rate_limited marks the message failed, keeps it, and retry() sends the same client_msg_id", () => {
  const t = makeClient();
  const s = t.welcome();
  const m = t.client.send("too fast");
  s.receive({ type: "error", code: "rate_limited", message: "too many messages; slow down", ref: m.key });
  const failed = t.messages().at(-1);
  assert.equal(failed.delivery, "failed");
  assert.equal(failed.error, "rate_limited");
  assert.ok(t.events.some((e) => e.type === "error" && e.code === "rate_limited"));
  assert.equal(t.lastSaved().outbox[0].text, "too fast");
  s.drop();
  t.clock.advance(60_000);
  const again = t.welcome();
  assert.deepEqual(again.frames("message"), [], "a refused message waits for the visitor's retry");
  t.client.retry(m.key);
  assert.deepEqual(again.frames("message").map((f) => f.client_msg_id), [m.key]);
  assert.equal(t.messages().at(-1).delivery, "pending");
});

test("nothing is saved before persist() (the visitor has not opened the widget)", () => {
  const t = makeClient({ persist: false });
  t.welcome();
  t.client.send("hello");
  assert.equal(t.saves.length, 0);
  t.client.persist();
  assert.equal(t.lastSaved().token, "tok_1");
  assert.equal(t.lastSaved().outbox.length, 1);
});

test("staff messages newer than the saved read mark are unseen; markRead sends the newest seq once", () => {
  const t = makeClient({ saved: { token: "tok_1", conversation: CID, read: 2 } });
  const s = t.welcome({ conversation: { id: CID } });
  s.receive(agentMessage(1));
  s.receive(agentMessage(2));
  s.receive(agentMessage(3));
  assert.deepEqual(t.events.filter((e) => e.type === "message").map((e) => e.unseen), [false, false, true]);
  t.client.markRead();
  t.client.markRead();
  assert.deepEqual(s.frames("read"), [{ type: "read", conversation_id: CID, seq: 3 }]);
  assert.equal(t.lastSaved().read, 3);
});

test("identify resolves on the visitor frame and rejects with the server's error", async () => {
  const t = makeClient();
  const pending = t.client.identify({ name: "Ann" }); // before the welcome: sent after it
  const s = t.welcome();
  const [first] = s.frames("identify");
  assert.equal(first.name, "Ann");
  s.receive({ type: "visitor", id: first.id, visitor: { id: "vi_1", name: "Ann" } });
  assert.deepEqual(await pending, { id: "vi_1", name: "Ann" });
  const bad = t.client.identify({ email: "nope" });
  const second = s.frames("identify")[1];
  s.receive({ type: "error", code: "bad_request", message: "email is not a valid email address", ref: second.id });
  await assert.rejects(bad, (e) => e.message === "email is not a valid email address");
  assert.equal(t.client.isIdentified, true);
});

test("open and close wait for the welcome; typing and read are dropped while offline", () => {
  const t = makeClient({ saved: { token: "tok_1", conversation: CID } });
  t.client.opened("https://shop.example/cart");
  t.client.typing(true);
  const s = t.welcome({ conversation: { id: CID } });
  assert.deepEqual(s.sent.slice(1), [{ type: "open", page_url: "https://shop.example/cart" }]);
  t.client.end();
  assert.deepEqual(s.sent.at(-1), { type: "close" });
});

test("queue_position of the conversation is reported, and cleared once it is no longer waiting", () => {
  const t = makeClient();
  const s = t.welcome({ conversation: { id: CID } });
  s.receive({ type: "queue_position", conversation_id: CID, position: 3 });
  s.receive({ type: "queue_position", conversation_id: "cv_other", position: 9 });
  s.receive({ type: "status", conversation_id: CID, seq: 1, ts: 1, status: "active", agent: { id: "us_1", name: "Anna" } });
  assert.deepEqual(t.events.filter((e) => e.type === "queue").map((e) => e.position), [3, null]);
});

test("a silent socket is pinged after the heartbeat and dropped when the pong does not come", () => {
  const t = makeClient();
  const s = t.welcome();
  t.clock.advance(HEARTBEAT_MS - 1);
  assert.equal(s.frames("ping").length, 0);
  t.clock.advance(1);
  assert.equal(s.frames("ping").length, 1);
  s.receive({ type: "pong", id: s.frames("ping")[0].id }); // alive: the heartbeat starts over
  t.clock.advance(HEARTBEAT_MS);
  assert.equal(s.frames("ping").length, 2);
  t.clock.advance(PONG_TIMEOUT_MS);
  assert.equal(s.closed, true);
  assert.equal(t.client.state, "offline");
});

test("a socket that opens but never gets a welcome is dropped and retried", () => {
  const t = makeClient();
  const s = t.socket();
  s.accept();
  t.clock.advance(WELCOME_TIMEOUT_MS);
  assert.equal(s.closed, true);
  t.clock.advance(60_000);
  assert.ok(t.sockets.length >= 2);
});

test("wake() reconnects at once instead of waiting out the backoff", () => {
  const t = makeClient();
  t.welcome().drop();
  for (let i = 0; i < 6; i++) {
    t.clock.advance(60_000);
    t.socket().drop();
  }
  const before = t.sockets.length;
  t.client.wake();
  assert.equal(t.sockets.length, before + 1);
});

test("destroy() closes the socket and never reconnects", () => {
  const t = makeClient();
  const s = t.welcome();
  t.client.destroy();
  assert.equal(s.closed, true);
  t.clock.advance(600_000);
  assert.equal(t.sockets.length, 1);
});
