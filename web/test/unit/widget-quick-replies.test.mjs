// When the widget shows a bot's quick replies (widget/src/quick-replies.ts), fed the protocol
// client's events the way app.ts feeds it, and how a pick goes out (the client's send path).
import assert from "node:assert/strict";
import { test } from "node:test";
import { QuickReplies } from "../../dist/test/widget-client.mjs";
import { CID, makeClient, startBotChat, visitorMessage } from "./widget-fakes.mjs";

const BUTTONS = [{ label: "Orders", value: "orders" }, { label: "Pricing", value: "pricing" }];

function botMessage(seq, text, buttons) {
  const frame = {
    type: "message", conversation_id: CID, seq, ts: 1_700_000_000_000 + seq, client_msg_id: `b${seq}`,
    sender: { kind: "bot", id: "fl_1", name: "Shop bot" }, text, attachments: [],
  };
  if (buttons) frame.buttons = buttons;
  return frame;
}

const status = (seq, value, agent = null) => ({ type: "status", conversation_id: CID, seq, ts: seq, status: value, agent });

// A client whose events go through QuickReplies; `shown()` is what the widget shows now.
function botChat(options) {
  const t = makeClient(options);
  const quick = new QuickReplies();
  let seen = 0;
  let shown = [];
  t.shown = () => {
    for (const e of t.events.slice(seen)) {
      if (e.type === "message") shown = quick.message(e.message);
      if (e.type === "status") shown = quick.status(e.change);
    }
    seen = t.events.length;
    return shown.map((b) => b.label);
  };
  return t;
}

// The visitor wrote "hi" (seq 1), a bot took the conversation (seq 2) and greeted with buttons (seq 3).
function greeted() {
  const t = botChat();
  const s = startBotChat(t);
  s.receive(botMessage(3, "Hi! Orders or pricing?", BUTTONS));
  return { t, s };
}

test("a bot message with buttons shows them; the bot's message frame keeps them", () => {
  const { t } = greeted();
  assert.deepEqual(t.shown(), ["Orders", "Pricing"]);
  const bot = t.messages().find((m) => m.sender.kind === "bot");
  assert.deepEqual(bot.buttons, BUTTONS);
  assert.equal(bot.sender.name, "Shop bot");
});

test("a pick is sent as an ordinary message with its value and hides the replies at once", () => {
  const { t, s } = greeted();
  t.shown();
  const pick = t.client.send("pricing");
  assert.deepEqual(t.shown(), [], "hidden while the pick is pending");
  assert.deepEqual(s.frames("message").at(-1), { type: "message", client_msg_id: pick.key, text: "pricing" });
  s.receive({ type: "ack", client_msg_id: pick.key, conversation_id: CID, seq: 4, ts: 4 });
  s.receive(visitorMessage(4, pick.key, "pricing"));
  s.receive(botMessage(5, "Plans start at 10 EUR."));
  assert.deepEqual(t.shown(), []);
});

test("anything the visitor types hides them too", () => {
  const { t } = greeted();
  t.shown();
  t.client.send("where is my parcel?");
  assert.deepEqual(t.shown(), []);
});

test("a tick on an older message of the visitor does not hide them", () => {
  const { t, s } = greeted();
  s.receive({ type: "read", conversation_id: CID, seq: 3, reader: { kind: "agent", id: "us_1" } });
  assert.equal(t.messages().at(-1).delivery, "read", "the visitor's hi was updated after the bot's message");
  assert.deepEqual(t.shown(), ["Orders", "Pricing"]);
});

test("a handoff, an agent's message or the end of the chat hides them; the bot taking over does not", () => {
  let { t, s } = greeted();
  s.receive(status(4, "waiting"));
  assert.deepEqual(t.shown(), []);
  ({ t, s } = greeted());
  s.receive({ ...botMessage(4, "Anna here"), client_msg_id: "a4", sender: { kind: "agent", id: "us_1", name: "Anna" } });
  assert.deepEqual(t.shown(), []);
  ({ t, s } = greeted());
  s.receive(status(4, "closed"));
  assert.deepEqual(t.shown(), []);
  ({ t, s } = greeted());
  s.receive(status(4, "bot"));
  assert.deepEqual(t.shown(), ["Orders", "Pricing"]);
});

test("after a reload only the latest bot message's buttons show, and only if nothing came after it", () => {
  const t = botChat({ saved: { token: "tok_1", conversation: CID } });
  const s = t.welcome({ conversation: { id: CID, status: "bot" } });
  s.receive(visitorMessage(1, "m1"));
  s.receive(status(2, "bot"));
  s.receive(botMessage(3, "Hi! Orders or pricing?", BUTTONS));
  s.receive(visitorMessage(4, "m2", "orders"));
  s.receive(botMessage(5, "Your order number?", [{ label: "I have none", value: "none" }]));
  assert.deepEqual(t.shown(), ["I have none"]);
  s.receive(visitorMessage(6, "m3", "12345"));
  assert.deepEqual(t.shown(), []);
});

test("buttons on a visitor's message frame are ignored", () => {
  const t = botChat();
  const s = t.welcome({ conversation: { id: CID, status: "bot" } });
  s.receive({ ...visitorMessage(1, "m1"), buttons: BUTTONS });
  assert.equal(t.messages()[0].buttons, undefined);
  assert.deepEqual(t.shown(), []);
});

test("a pick made offline waits in the outbox and goes out with its client_msg_id after the welcome", () => {
  const { t, s } = greeted();
  s.drop();
  const pick = t.client.send("orders");
  assert.deepEqual(t.shown(), []);
  assert.deepEqual(t.lastSaved().outbox.map((o) => [o.client_msg_id, o.text]), [[pick.key, "orders"]]);
  t.clock.advance(60_000);
  const again = t.welcome({ conversation: { id: CID, status: "bot" } });
  assert.deepEqual(again.frames("message"), [{ type: "message", client_msg_id: pick.key, text: "orders" }]);
});

test("the same entry moving back (a pending message getting its seq) lets an earlier latest show again", () => {
  const quick = new QuickReplies();
  const bot = { key: "cv:3", order: 3, mine: false, buttons: BUTTONS };
  assert.deepEqual(quick.message(bot).map((b) => b.value), ["orders", "pricing"]);
  const typed = { key: "m9", order: Infinity, mine: true };
  assert.deepEqual(quick.message(typed), []);
  // the server stored the typed message before the bot's (a resend from another tab, say)
  assert.deepEqual(quick.message({ ...typed, order: 2 }).map((b) => b.value), ["orders", "pricing"]);
});
