// A fake WebSocket and fake timers for driving the widget's protocol client under Node.
// (Not a test file itself: node --test runs only *.test.mjs.)
import { VisitorClient } from "../../dist/test/widget-client.mjs";

export class FakeSocket {
  constructor(url) {
    this.url = url;
    this.sent = [];
    this.closed = false;
    this.onopen = this.onmessage = this.onclose = null;
  }
  send(data) { this.sent.push(JSON.parse(data)); }
  close() { this.closed = true; }
  // the server side
  accept() { this.onopen?.({}); }
  receive(frame) { this.onmessage?.({ data: JSON.stringify(frame) }); }
  drop() { this.onclose?.({ code: 1006 }); }
  frames(type) { return this.sent.filter((f) => f.type === type); }
}

export class FakeClock {
  constructor() {
    this.now = 0;
    this.timers = new Map();
    this.nextId = 1;
  }
  setTimeout(fn, ms) {
    const id = this.nextId++;
    this.timers.set(id, { at: this.now + ms, ms, fn });
    return id;
  }
  clearTimeout(id) { this.timers.delete(id); }
  // the delays of the timers pending now, in ms
  pending() { return [...this.timers.values()].map((t) => t.ms); }
  advance(ms) {
    const end = this.now + ms;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.now = due[1].at;
      due[1].fn();
    }
    this.now = end;
  }
}

// A client wired to fakes; `socket()` is the latest socket it opened.
export function makeClient({ saved, random = () => 0.5, persist = true } = {}) {
  const clock = new FakeClock();
  const sockets = [];
  const events = [];
  const saves = [];
  class Socket extends FakeSocket {
    constructor(url) {
      super(url);
      sockets.push(this);
    }
  }
  const client = new VisitorClient({
    url: "ws://server/ws/visitor?site_key=wk_test",
    WebSocket: Socket,
    setTimeout: (fn, ms) => clock.setTimeout(fn, ms),
    clearTimeout: (id) => clock.clearTimeout(id),
    random,
    now: () => 1_700_000_000_000 + clock.now,
    saved,
    save: (s) => saves.push(structuredClone(s)),
    onEvent: (e) => events.push(structuredClone(e)),
  });
  if (persist) client.persist();
  client.start();
  return {
    client, clock, sockets, events, saves,
    socket: () => sockets[sockets.length - 1],
    messages: () => events.filter((e) => e.type === "message").map((e) => e.message),
    lastSaved: () => saves[saves.length - 1],
    // opens the current socket and answers its hello
    welcome(extra = {}) {
      const s = sockets[sockets.length - 1];
      s.accept();
      s.receive({ type: "welcome", visitor_id: "vi_1", visitor_token: "tok_1", conversation: null, open: true, ...extra });
      return s;
    },
  };
}

export const CID = "cv_000000000000000000000001";

export function agentMessage(seq, text = `agent ${seq}`) {
  return {
    type: "message", conversation_id: CID, seq, ts: 1_700_000_000_000 + seq, client_msg_id: `a${seq}`,
    sender: { kind: "agent", id: "us_1", name: "Anna" }, text, attachments: [],
  };
}

export function visitorMessage(seq, clientMsgId, text = "hi") {
  return {
    type: "message", conversation_id: CID, seq, ts: 1_700_000_000_000 + seq, client_msg_id: clientMsgId,
    sender: { kind: "visitor", id: "vi_1", name: "Visitor" }, text, attachments: [],
  };
}

// The visitor wrote "hi" (seq 1) and a bot took the conversation (seq 2); returns the socket.
export function startBotChat(t) {
  const s = t.welcome();
  const hi = t.client.send("hi");
  s.receive({ type: "ack", client_msg_id: hi.key, conversation_id: CID, seq: 1, ts: 1 });
  s.receive(visitorMessage(1, hi.key));
  s.receive({ type: "status", conversation_id: CID, seq: 2, ts: 2, status: "bot", agent: null });
  return s;
}
