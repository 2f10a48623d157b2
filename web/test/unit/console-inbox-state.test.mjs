import { test } from "node:test";
import assert from "node:assert/strict";
import {
  initialInbox, reduceInbox, tabItems, tabBadges, attentionCount, labelsInUse, matchesFilters, conversationsToWatch,
} from "../../console/src/lib/inbox-state.js";

const me = { id: "us_me", name: "Ann", role: "agent" };
const visitor = (id, name, email) => ({ kind: "visitor", id, name, email });
const summary = (id, over = {}) => ({
  id, status: "active", visitor: visitor(`vi_${id}`, `Name ${id}`), agent: { id: "us_me", name: "Ann" },
  last_message: null, unread: 0, last_seq: 2, labels: [], updated_ts: 1000, ...over,
});
const frame = (f) => ({ type: "frame", frame: f });
const welcome = (over = {}) => frame({ type: "welcome", user: me, queue: { waiting: [], total: 0 }, conversations: [], ...over });

test("welcome sets the user, the queue and the conversations", () => {
  const s = reduceInbox(initialInbox(), welcome({
    queue: { waiting: [{ conversation_id: "cv_w", position: 1, since_ts: 5, visitor: visitor("vi_w", "Visitor"), last_text: "hi" }], total: 1 },
    conversations: [summary("cv_a")],
  }));
  assert.equal(s.me.id, "us_me");
  assert.equal(s.queue.total, 1);
  assert.deepEqual(tabItems(s, "mine", {}).map((c) => c.id), ["cv_a"]);
  assert.deepEqual(tabItems(s, "waiting", {}).map((c) => [c.id, c.last_text]), [["cv_w", "hi"]]);
});

test("a socket summary's placeholder name never replaces the identified name from HTTP", () => {
  let s = reduceInbox(initialInbox(), { type: "loaded", items: [summary("cv_a", { visitor: visitor("vi_a", "Alice Martin", "alice@example.com") })] });
  s = reduceInbox(s, welcome({ conversations: [summary("cv_a", { visitor: visitor("vi_a", "Visitor"), last_seq: 3 })] }));
  assert.equal(s.conversations.cv_a.visitor.name, "Alice Martin");
  assert.equal(s.conversations.cv_a.visitor.email, "alice@example.com");
  assert.equal(s.conversations.cv_a.last_seq, 3);
});

test("waiting items take the identified name of a known conversation", () => {
  let s = reduceInbox(initialInbox(), { type: "loaded", items: [summary("cv_w", { status: "waiting", agent: null, visitor: visitor("vi_w", "Bob") })] });
  s = reduceInbox(s, frame({ type: "queue", total: 1, waiting: [{ conversation_id: "cv_w", position: 1, since_ts: 1, visitor: visitor("vi_w", "Visitor"), last_text: "x" }] }));
  assert.equal(tabItems(s, "waiting", {})[0].visitor.name, "Bob");
});

test("a visitor message raises unread and moves the conversation up; a staff reply clears it", () => {
  let s = reduceInbox(initialInbox(), welcome({ conversations: [summary("cv_a", { updated_ts: 10 }), summary("cv_b", { updated_ts: 20 })] }));
  assert.deepEqual(tabItems(s, "mine", {}).map((c) => c.id), ["cv_b", "cv_a"]);
  s = reduceInbox(s, frame({ type: "message", conversation_id: "cv_a", seq: 3, ts: 30, sender: { kind: "visitor" }, text: "help" }));
  assert.equal(s.conversations.cv_a.unread, 1);
  assert.equal(s.conversations.cv_a.last_message.text, "help");
  assert.deepEqual(tabItems(s, "mine", {}).map((c) => c.id), ["cv_a", "cv_b"]);
  assert.equal(attentionCount(s), 1);
  s = reduceInbox(s, frame({ type: "message", conversation_id: "cv_a", seq: 4, ts: 31, sender: { kind: "agent", id: "us_me" }, text: "sure" }));
  assert.equal(s.conversations.cv_a.unread, 0);
});

test("frames already folded (replayed after a resubscribe) change nothing", () => {
  let s = reduceInbox(initialInbox(), welcome({ conversations: [summary("cv_a", { last_seq: 5 })] }));
  const before = s;
  s = reduceInbox(s, frame({ type: "message", conversation_id: "cv_a", seq: 5, ts: 1, sender: { kind: "visitor" }, text: "old" }));
  s = reduceInbox(s, frame({ type: "status", conversation_id: "cv_a", seq: 4, status: "closed", agent: null }));
  assert.equal(s, before);
});

test("a private note is not a reply: unread stays and the preview keeps the last public message", () => {
  let s = reduceInbox(initialInbox(), welcome({ conversations: [summary("cv_a", { unread: 2, last_message: { seq: 2, text: "public" } })] }));
  s = reduceInbox(s, frame({ type: "message", conversation_id: "cv_a", seq: 3, sender: { kind: "agent" }, text: "note", private: true }));
  assert.equal(s.conversations.cv_a.unread, 2);
  assert.equal(s.conversations.cv_a.last_message.text, "public");
  assert.equal(s.conversations.cv_a.last_seq, 3);
});

test("status frames move conversations between tabs", () => {
  let s = reduceInbox(initialInbox(), welcome({ conversations: [summary("cv_a", { status: "waiting", agent: null })] }));
  s = reduceInbox(s, frame({ type: "status", conversation_id: "cv_a", seq: 3, status: "active", agent: { id: "us_other", name: "Bob" } }));
  assert.deepEqual(tabItems(s, "mine", {}), []);
  assert.deepEqual(tabItems(s, "open", {}).map((c) => c.id), ["cv_a"]);
  s = reduceInbox(s, frame({ type: "status", conversation_id: "cv_a", seq: 4, status: "closed", agent: { id: "us_other", name: "Bob" } }));
  assert.deepEqual(tabItems(s, "open", {}), []);
  assert.deepEqual(tabItems(s, "closed", {}).map((c) => c.id), ["cv_a"]);
});

test("assigned brings a conversation into Mine", () => {
  let s = reduceInbox(initialInbox(), welcome());
  s = reduceInbox(s, frame({ type: "assigned", conversation: { id: "cv_n", status: "active", visitor: { id: "vi_n", name: "Visitor" }, agent: { id: "us_me", name: "Ann" }, via: "assign" } }));
  assert.deepEqual(tabItems(s, "mine", {}).map((c) => c.id), ["cv_n"]);
});

test("read frames: the visitor's mark is kept per conversation, a staff read clears unread", () => {
  let s = reduceInbox(initialInbox(), welcome({ conversations: [summary("cv_a", { unread: 3, last_seq: 6, last_message: { seq: 6 } })] }));
  s = reduceInbox(s, frame({ type: "read", conversation_id: "cv_a", reader: { kind: "visitor", id: "vi" }, seq: 5 }));
  s = reduceInbox(s, frame({ type: "read", conversation_id: "cv_a", reader: { kind: "visitor", id: "vi" }, seq: 4 }));
  assert.equal(s.visitorRead.cv_a, 5);
  s = reduceInbox(s, frame({ type: "read", conversation_id: "cv_a", reader: { kind: "agent", id: "us_me" }, seq: 6 }));
  assert.equal(s.conversations.cv_a.unread, 0);
});

test("typing shows for the visitor, ends with on:false or with their message, ignores my own", () => {
  let s = reduceInbox(initialInbox(), welcome({ conversations: [summary("cv_a")] }));
  s = reduceInbox(s, frame({ type: "typing", conversation_id: "cv_a", sender: { kind: "visitor", name: "Visitor" }, on: true }));
  assert.equal(s.typing.cv_a.kind, "visitor");
  s = reduceInbox(s, frame({ type: "message", conversation_id: "cv_a", seq: 3, sender: { kind: "visitor" }, text: "x" }));
  assert.equal(s.typing.cv_a, undefined);
  s = reduceInbox(s, frame({ type: "typing", conversation_id: "cv_a", sender: { kind: "agent", id: "us_me" }, on: true }));
  assert.equal(s.typing.cv_a, undefined);
});

test("accept/close answers (the actor's view) patch status and agent but keep the preview", () => {
  let s = reduceInbox(initialInbox(), welcome({ conversations: [summary("cv_a", { status: "waiting", agent: null, last_message: { seq: 1, text: "hi" } })] }));
  s = reduceInbox(s, { type: "patched", conversation: { id: "cv_a", status: "active", agent: { id: "us_me" }, last_seq: 3, updated_ts: 50, visitor: { id: "vi", name: "Visitor" } } });
  assert.equal(s.conversations.cv_a.status, "active");
  assert.equal(s.conversations.cv_a.last_message.text, "hi");
  assert.equal(s.conversations.cv_a.visitor.name, "Name cv_a");
});

test("search matches the start of the name or email, case-insensitively; labels filter", () => {
  const c = { visitor: { name: "Alice Martin", email: "ali@shop.example" }, labels: ["billing"] };
  assert.ok(matchesFilters(c, { q: "ALI" }));
  assert.ok(matchesFilters(c, { q: "ali@" }));
  assert.ok(!matchesFilters(c, { q: "martin" }));
  assert.ok(matchesFilters(c, { label: "billing" }));
  assert.ok(!matchesFilters(c, { label: "vip" }));
});

test("badges count waiting visitors and conversations with unread messages", () => {
  let s = reduceInbox(initialInbox(), welcome({
    queue: { waiting: [], total: 7 },
    conversations: [summary("cv_a", { unread: 2 }), summary("cv_b", { unread: 1, agent: { id: "us_x" } }), summary("cv_c")],
  }));
  assert.deepEqual(tabBadges(s), { waiting: 7, mine: 1, open: 2, closed: 0 });
  assert.equal(attentionCount(s), 9);
});

test("labels in use are counted, most used first; watched conversations are the queue and the open ones", () => {
  const s = reduceInbox(initialInbox(), welcome({
    queue: { waiting: [{ conversation_id: "cv_w" }], total: 1 },
    conversations: [summary("cv_a", { labels: ["vip", "billing"] }), summary("cv_b", { labels: ["billing"] }), summary("cv_c", { status: "closed" })],
  }));
  assert.deepEqual(labelsInUse(s), [{ label: "billing", count: 2 }, { label: "vip", count: 1 }]);
  assert.deepEqual([...conversationsToWatch(s)].sort(), ["cv_a", "cv_b", "cv_w"]);
  assert.equal(conversationsToWatch(s, 2).size, 2);
});

test("a thousand conversations fold and sort fast enough for a first render", () => {
  const items = Array.from({ length: 1000 }, (_, i) => summary(`cv_${i}`, { updated_ts: i }));
  const t0 = performance.now();
  const s = reduceInbox(initialInbox(), { type: "loaded", items });
  const open = tabItems(s, "open", {});
  const ms = performance.now() - t0;
  assert.equal(open.length, 1000);
  assert.equal(open[0].id, "cv_999");
  assert.ok(ms < 100, `took ${ms} ms`);
});

test("presence frames keep a colleague's name, state, load and capacity", () => {
  let s = reduceInbox(initialInbox(), welcome());
  s = reduceInbox(s, frame({ type: "presence", user_id: "us_bob", name: "Bob", presence: "away", active: 2, capacity: 3 }));
  assert.deepEqual(s.presence.us_bob, { name: "Bob", presence: "away", active: 2, capacity: 3 });
});

test("conversations a bot has are listed under Open (not Mine), watched, and leave Open once handed off", () => {
  let s = reduceInbox(initialInbox(), welcome({ conversations: [summary("cv_a", { updated_ts: 1 }), summary("cv_b", { status: "bot", agent: null, updated_ts: 2 })] }));
  assert.deepEqual(tabItems(s, "open", {}).map((c) => c.id), ["cv_b", "cv_a"]);
  assert.deepEqual(tabItems(s, "mine", {}).map((c) => c.id), ["cv_a"]);
  assert.ok(conversationsToWatch(s).has("cv_b"));
  // a bot's message is not a staff reply: it does not clear unread, and bot conversations raise no Open badge
  s = reduceInbox(s, frame({ type: "message", conversation_id: "cv_b", seq: 3, ts: 3, sender: { kind: "visitor" }, text: "hi" }));
  s = reduceInbox(s, frame({ type: "message", conversation_id: "cv_b", seq: 4, ts: 4, sender: { kind: "bot", id: "fl_1", name: "Shop bot" }, text: "Hello", buttons: [{ label: "A", value: "a" }] }));
  assert.equal(s.conversations.cv_b.unread, 1);
  assert.equal(s.conversations.cv_b.last_message.sender.kind, "bot");
  assert.equal(tabBadges(s).open, 0);
  // the queue names it before its status frame arrives: already out of Open
  s = reduceInbox(s, frame({ type: "queue", total: 1, waiting: [{ conversation_id: "cv_b", position: 1, since_ts: 5, visitor: visitor("vi_cv_b", "Visitor"), last_text: "human" }] }));
  assert.deepEqual(tabItems(s, "open", {}).map((c) => c.id), ["cv_a"]);
  s = reduceInbox(s, frame({ type: "status", conversation_id: "cv_b", seq: 5, ts: 5, status: "waiting", agent: null, via: "handoff" }));
  s = reduceInbox(s, frame({ type: "queue", total: 0, waiting: [] }));
  assert.deepEqual(tabItems(s, "open", {}).map((c) => c.id), ["cv_a"]);
});
