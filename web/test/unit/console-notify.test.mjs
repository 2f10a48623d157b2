import { test } from "node:test";
import assert from "node:assert/strict";
import { documentTitle, newlyWaiting, messageNeedsAlert } from "../../console/src/lib/notify.js";

test("the tab title carries the count", () => {
  assert.equal(documentTitle(0, "Inbox"), "Inbox · Switchboard");
  assert.equal(documentTitle(3, "Inbox"), "(3) Inbox · Switchboard");
  assert.equal(documentTitle(120), "(99+) Switchboard");
});

test("newly waiting conversations are the ones not in the previous queue", () => {
  const w = (id) => ({ conversation_id: id });
  assert.deepEqual(newlyWaiting([w("a"), w("b")], [w("b"), w("c")]), [w("c")]);
});

test("a fresh visitor message in my conversation alerts unless I am looking at it", () => {
  const inbox = { me: { id: "me" }, conversations: { cv: { status: "active", agent: { id: "me" }, last_seq: 4 }, other: { status: "active", agent: { id: "x" }, last_seq: 1 } } };
  const f = { type: "message", conversation_id: "cv", seq: 5, sender: { kind: "visitor" } };
  assert.ok(messageNeedsAlert(inbox, f, { focusedId: null, pageVisible: true }));
  assert.ok(messageNeedsAlert(inbox, f, { focusedId: "cv", pageVisible: false }));
  assert.ok(!messageNeedsAlert(inbox, f, { focusedId: "cv", pageVisible: true }));
  assert.ok(!messageNeedsAlert(inbox, { ...f, seq: 4 }, { pageVisible: true }), "a replay");
  assert.ok(!messageNeedsAlert(inbox, { ...f, sender: { kind: "agent" } }, { pageVisible: true }));
  assert.ok(!messageNeedsAlert(inbox, { ...f, conversation_id: "other", seq: 2 }, { pageVisible: true }), "a colleague's");
});
