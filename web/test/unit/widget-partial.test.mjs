// The AI's streamed reply in the widget's protocol client (widget/src/client.ts): partial frames
// become one message that updates in place (streaming, no seq) and that the final message
// replaces under the same key; and the visitor's escalate ("Live support").
import assert from "node:assert/strict";
import { test } from "node:test";
import { CID, makeClient, startBotChat, visitorMessage } from "./widget-fakes.mjs";

const AI = { kind: "bot", id: "ai", name: "Ava" };
const partial = (text, cid = CID) => ({ type: "partial", conversation_id: cid, sender: AI, text });
const aiMessage = (seq, text) => ({
  type: "message", conversation_id: CID, seq, ts: 1_700_000_000_000 + seq, client_msg_id: `ai-${seq}`,
  sender: AI, text, attachments: [],
});
const status = (seq, value) => ({ type: "status", conversation_id: CID, seq, ts: seq, status: value, agent: null });

// The visitor wrote "hi" (seq 1) and the AI has the conversation (seq 2).
function chatWithAi() {
  const t = makeClient();
  const s = startBotChat(t);
  t.events.length = 0;
  return { t, s };
}

test("partial frames show as one streaming message that grows in place", () => {
  const { t, s } = chatWithAi();
  s.receive(partial("Hel"));
  s.receive(partial("Hello, how"));
  const shown = t.messages();
  assert.equal(shown.length, 2);
  assert.equal(shown[0].key, shown[1].key, "the same message, updated");
  assert.deepEqual(shown.map((m) => m.text), ["Hel", "Hello, how"]);
  assert.equal(shown[1].streaming, true);
  assert.equal(shown[1].seq, undefined);
  assert.equal(shown[1].mine, false);
  assert.equal(shown[1].sender.name, "Ava");
});

test("the final message replaces the streamed one under the same key, no longer streaming", () => {
  const { t, s } = chatWithAi();
  s.receive(partial("Hello"));
  s.receive(aiMessage(3, "Hello, how can I help?"));
  const [streamed, final] = t.messages();
  assert.equal(final.key, streamed.key);
  assert.equal(final.streaming, undefined);
  assert.equal(final.seq, 3);
  assert.equal(final.text, "Hello, how can I help?");
  assert.notEqual(final.order, Infinity, "sorted by its seq now");
});

test("the next reply streams as a new message", () => {
  const { t, s } = chatWithAi();
  s.receive(partial("One"));
  s.receive(aiMessage(3, "One."));
  s.receive(visitorMessage(4, "m2", "and?"));
  s.receive(partial("Two"));
  const keys = new Set(t.messages().filter((m) => m.sender.kind === "bot").map((m) => m.key));
  assert.equal(keys.size, 2);
});

test("a partial for another conversation is ignored", () => {
  const { t, s } = chatWithAi();
  s.receive(partial("not yours", "cv_000000000000000000000099"));
  assert.deepEqual(t.events, []);
});

test("a partial before the visitor has a conversation is ignored", () => {
  const t = makeClient();
  const s = t.welcome();
  s.receive(partial("hello"));
  assert.deepEqual(t.messages(), []);
});

test("a person taking over while the AI streams drops the streamed text", () => {
  const { t, s } = chatWithAi();
  s.receive(partial("Let me"));
  const key = t.messages()[0].key;
  s.receive(status(3, "waiting"));
  assert.deepEqual(t.events.find((e) => e.type === "drop"), { type: "drop", key });
  // a later message of the AI is not matched to the dropped one
  s.receive(aiMessage(4, "late"));
  assert.notEqual(t.messages().at(-1).key, key);
});

test("another sender's message does not replace the streamed text", () => {
  const { t, s } = chatWithAi();
  s.receive(partial("Typing"));
  s.receive({ ...aiMessage(3, "Anna here"), sender: { kind: "agent", id: "us_1", name: "Anna" } });
  const [streamed, agent] = t.messages();
  assert.notEqual(agent.key, streamed.key);
});

test("escalate sends the escalate frame for the current conversation", () => {
  const { s, t } = chatWithAi();
  t.client.escalate();
  assert.deepEqual(s.frames("escalate"), [{ type: "escalate" }]);
});

test("asking for a person before the first message escalates the conversation once it starts", () => {
  const t = makeClient();
  const s = t.welcome();
  t.client.wantsHuman = true;
  assert.deepEqual(s.frames("escalate"), []);
  const hi = t.client.send("hi");
  s.receive({ type: "ack", client_msg_id: hi.key, conversation_id: CID, seq: 1, ts: 1 });
  assert.deepEqual(s.frames("escalate"), [{ type: "escalate" }]);
  assert.equal(t.client.wantsHuman, false);
  const again = t.client.send("still there?");
  s.receive({ type: "ack", client_msg_id: again.key, conversation_id: CID, seq: 3, ts: 3 });
  assert.equal(s.frames("escalate").length, 1, "only once");
});
