import { test } from "node:test";
import assert from "node:assert/strict";
import { initialTimeline, reduceTimeline, lastSeq, oldestSeq, receiptFor } from "../../console/src/lib/timeline-state.js";

const msg = (seq, over = {}) => ({ type: "message", conversation_id: "cv", seq, ts: seq * 10, client_msg_id: `m${seq}`, sender: { kind: "visitor" }, text: `t${seq}`, attachments: [], ...over });
const seqs = (s) => s.entries.map((e) => e.seq);

test("history pages and live frames merge in seq order, each seq once", () => {
  let s = initialTimeline("cv");
  s = reduceTimeline(s, { type: "page", items: [msg(5), msg(6)], next_cursor: "before_seq:5" });
  assert.equal(s.hasOlder, true);
  s = reduceTimeline(s, { type: "frame", frame: msg(7) });
  s = reduceTimeline(s, { type: "frame", frame: msg(6) });
  s = reduceTimeline(s, { type: "frame", frame: { type: "status", conversation_id: "cv", seq: 8, status: "active", agent: { id: "u", name: "Ann" } } });
  s = reduceTimeline(s, { type: "page", items: [msg(1), msg(3)], next_cursor: null, older: true });
  assert.deepEqual(seqs(s), [1, 3, 5, 6, 7, 8]);
  assert.equal(s.hasOlder, false);
  assert.equal(lastSeq(s), 8);
  assert.equal(oldestSeq(s), 1);
});

test("frames of another conversation are ignored", () => {
  const s = initialTimeline("cv");
  assert.equal(reduceTimeline(s, { type: "frame", frame: msg(1, { conversation_id: "other" }) }), s);
});

test("a sent message is pending, then sent on ack, then replaced by its frame", () => {
  let s = initialTimeline("cv");
  s = reduceTimeline(s, { type: "send", pending: { client_msg_id: "c1", text: "hello", ts: 1 } });
  assert.equal(s.pending[0].state, "sending");
  s = reduceTimeline(s, { type: "frame", frame: { type: "ack", conversation_id: "cv", client_msg_id: "c1", seq: 4 } });
  assert.equal(s.pending[0].state, "sent");
  s = reduceTimeline(s, { type: "frame", frame: msg(4, { client_msg_id: "c1", sender: { kind: "agent" } }) });
  assert.deepEqual(s.pending, []);
  assert.deepEqual(seqs(s), [4]);
});

test("a failed message can be retried", () => {
  let s = reduceTimeline(initialTimeline("cv"), { type: "send", pending: { client_msg_id: "c1", text: "x" } });
  s = reduceTimeline(s, { type: "failed", client_msg_id: "c1", error: "too long" });
  assert.deepEqual([s.pending[0].state, s.pending[0].error], ["failed", "too long"]);
  s = reduceTimeline(s, { type: "retry", client_msg_id: "c1" });
  assert.equal(s.pending[0].state, "sending");
});

test("receipts: staff messages read once the visitor's mark reaches them; notes and visitor messages have none", () => {
  const agent = { kind: "message", seq: 4, sender: { kind: "agent" } };
  assert.equal(receiptFor(agent, 3), "sent");
  assert.equal(receiptFor(agent, 4), "read");
  assert.equal(receiptFor({ ...agent, private: true }, 9), null);
  assert.equal(receiptFor({ kind: "message", seq: 1, sender: { kind: "visitor" } }, 9), null);
  assert.equal(receiptFor({ kind: "status", seq: 2 }, 9), null);
});

test("a bot's message keeps its sender and quick replies; other messages carry no buttons", () => {
  const buttons = [{ label: "Orders", value: "orders" }];
  let s = reduceTimeline(initialTimeline("cv"), { type: "frame", frame: msg(3, { sender: { kind: "bot", id: "fl_1", name: "Shop bot" }, buttons }) });
  s = reduceTimeline(s, { type: "frame", frame: msg(4, { buttons: [] }) });
  assert.deepEqual(s.entries[0].sender, { kind: "bot", id: "fl_1", name: "Shop bot" });
  assert.deepEqual(s.entries[0].buttons, buttons);
  assert.equal("buttons" in s.entries[1], false);
});
