// The visitor's side of /ws/visitor (../shared/PROTOCOL.md, "Visitor socket"): hello with the
// visitor token and a resume by seq, reconnect with jittered backoff, every seq shown once,
// and an outbox of messages not yet acknowledged, resent with their client_msg_id (the server
// stores a client_msg_id once). No DOM: the WebSocket constructor, timers and randomness are
// injected, so Node's test runner drives it with a fake socket and fake timers.
import { backoffDelay } from "./backoff";
import type {
  Attachment, ChatMessage, ClientEvent, ClientOptions, ConnectionState, Delivery, OutboxItem, SocketLike, StatusChange,
} from "./client-types";

export const WELCOME_TIMEOUT_MS = 10_000; // a socket without a welcome by then is dropped
export const HEARTBEAT_MS = 25_000; // silence before we ping
export const PONG_TIMEOUT_MS = 10_000; // silence after a ping before we drop the socket

type Frame = Record<string, any>;
interface Waiter { frame: Frame; resolve: (visitor: unknown) => void; reject: (error: Frame) => void }

export class VisitorClient {
  state: ConnectionState = "connecting";
  conversation?: string;
  private readonly o: ClientOptions;
  token?: string; // the visitor token (also proves the visitor to /api/v1/files)
  private identified: boolean;
  private ws?: SocketLike;
  private welcomed = false;
  private persisting = false;
  private destroyed = false;
  private attempt = 0;
  private retryTimer?: unknown;
  private watchdog?: unknown;
  private pinged = false;
  private ids = 0;
  private readonly lastSeq = new Map<string, number>(); // per conversation: the last seq shown
  private readonly readSeq = new Map<string, number>(); // per conversation: read by staff up to
  private readonly conversationRank = new Map<string, number>();
  private readonly own = new Map<string, ChatMessage>(); // the visitor's messages by client_msg_id
  private readonly outbox = new Map<string, OutboxItem>();
  private readonly identifies = new Map<string, Waiter>();
  private control: Frame[] = []; // frames waiting for the next welcome
  private theirSeq = 0; // the newest seq in the conversation not written by the visitor
  private readSent = 0;
  private partial?: ChatMessage; // the AI's reply while it streams (partial frames, no seq)
  wantsHuman = false; // escalate the next conversation as soon as it starts

  constructor(options: ClientOptions) {
    this.o = options;
    const saved = options.saved ?? {};
    this.token = saved.token;
    this.conversation = saved.conversation;
    this.identified = !!saved.identified;
    this.readSent = saved.read ?? 0;
    for (const item of saved.outbox ?? []) this.outbox.set(item.client_msg_id, item);
  }

  get isIdentified(): boolean { return this.identified; }

  // Shows the saved outbox and connects.
  start(): void {
    for (const item of this.outbox.values()) this.track(item);
    this.connect();
  }

  // From now on the token, conversation and outbox are saved (the visitor opened the widget).
  persist(): void {
    this.persisting = true;
    this.save();
  }

  send(text: string, attachments: Attachment[] = []): ChatMessage {
    const item: OutboxItem = { client_msg_id: this.newId("m"), text, attachments, ts: this.o.now() };
    this.outbox.set(item.client_msg_id, item);
    this.save();
    const message = this.track(item);
    this.transmit(item);
    return message;
  }

  retry(key: string): void {
    const item = this.outbox.get(key);
    const message = this.own.get(key);
    if (!item || !message) return;
    delete item.error;
    delete message.error;
    message.delivery = "pending";
    this.save();
    this.emit({ type: "message", message });
    this.transmit(item);
  }

  identify(fields: Frame): Promise<unknown> {
    const frame = { ...fields, type: "identify", id: this.newId("i") };
    return new Promise((resolve, reject) => {
      this.identifies.set(frame.id, { frame, resolve, reject });
      if (this.welcomed) this.raw(frame);
    });
  }

  opened(pageUrl: string): void { this.sendOrQueue({ type: "open", page_url: pageUrl.slice(0, 2048) }); }

  end(): void { if (this.conversation) this.sendOrQueue({ type: "close" }); }

  // Asks for a person: the current conversation leaves its bot for the queue.
  escalate(): void {
    this.wantsHuman = false;
    this.sendOrQueue({ type: "escalate" });
  }

  typing(on: boolean): void { if (this.welcomed && this.conversation) this.raw({ type: "typing", on }); }

  // Tells staff the visitor has seen everything shown so far.
  markRead(): void {
    if (!this.welcomed || !this.conversation || this.theirSeq <= this.readSent) return;
    this.readSent = this.theirSeq;
    this.save();
    this.raw({ type: "read", conversation_id: this.conversation, seq: this.theirSeq });
  }

  // The page came back (online event, tab shown): retry now instead of waiting out the backoff.
  wake(): void {
    if (this.retryTimer === undefined || this.destroyed) return;
    this.o.clearTimeout(this.retryTimer);
    this.attempt = 0;
    this.connect();
  }

  destroy(): void {
    this.destroyed = true;
    this.o.clearTimeout(this.retryTimer);
    this.drop();
  }

  private connect(): void {
    this.retryTimer = undefined;
    let ws: SocketLike;
    try {
      ws = new this.o.WebSocket(this.o.url);
    } catch {
      return this.lost(); // e.g. a page's CSP refusing the server: keep trying, it may change
    }
    this.ws = ws;
    ws.onopen = () => {
      const hello: Frame = { type: "hello" };
      if (this.token) hello.visitor_token = this.token;
      if (this.conversation)
        hello.resume = { conversation_id: this.conversation, after_seq: this.lastSeq.get(this.conversation) ?? 0 };
      ws.send(JSON.stringify(hello));
    };
    ws.onmessage = (e) => {
      let frame: unknown;
      try { frame = JSON.parse(String(e.data)); } catch { return; }
      if (frame && typeof frame === "object") this.onFrame(frame as Frame);
    };
    ws.onclose = () => this.lost();
    this.arm(WELCOME_TIMEOUT_MS);
  }

  private lost(): void {
    this.drop();
    if (this.destroyed) return;
    this.setState("offline");
    this.retryTimer = this.o.setTimeout(() => this.connect(), backoffDelay(this.attempt++, this.o.random));
  }

  private drop(): void {
    this.o.clearTimeout(this.watchdog);
    const ws = this.ws;
    this.ws = undefined;
    this.welcomed = false;
    if (!ws) return;
    ws.onopen = ws.onmessage = ws.onclose = null;
    try { ws.close(); } catch { /* already closed */ }
  }

  // One timer per socket: the welcome deadline, then the heartbeat and its pong deadline.
  private arm(ms: number): void {
    this.o.clearTimeout(this.watchdog);
    this.watchdog = this.o.setTimeout(() => {
      if (!this.welcomed || this.pinged) return this.lost();
      this.pinged = true;
      this.raw({ type: "ping", id: this.newId("p") });
      this.arm(PONG_TIMEOUT_MS);
    }, ms);
  }

  private onFrame(f: Frame): void {
    this.pinged = false;
    if (this.welcomed) this.arm(HEARTBEAT_MS);
    switch (f.type) {
      case "welcome": return this.onWelcome(f);
      case "message": return this.onMessage(f);
      case "ack": return this.onAck(f);
      case "status": return this.onStatus(f);
      case "read": return this.onRead(f);
      case "partial": return this.onPartial(f);
      case "visitor": return this.settleIdentify(f.id, f.visitor);
      case "error": return this.onError(f);
      case "queue_position":
        if (f.conversation_id === this.conversation) this.emit({ type: "queue", position: f.position ?? null });
        return;
      case "typing":
        return this.emit({ type: "typing", on: !!f.on, sender: f.sender ?? { kind: "agent" } });
    }
  }

  private onWelcome(f: Frame): void {
    this.welcomed = true;
    this.attempt = 0;
    this.token = f.visitor_token;
    const resumed = f.conversation?.id as string | undefined;
    if (resumed) this.adopt(resumed);
    else this.conversation = undefined; // none open, or the resumed one is unknown here
    this.save();
    this.arm(HEARTBEAT_MS);
    this.setState("online");
    this.emit({ type: "welcome", open: f.open !== false });
    const control = this.control;
    this.control = [];
    for (const frame of control) this.raw(frame);
    for (const waiter of this.identifies.values()) this.raw(waiter.frame);
    for (const item of this.outbox.values()) if (!item.error) this.transmit(item);
  }

  private onMessage(f: Frame): void {
    if (!this.fresh(f)) return;
    const cid: string = f.conversation_id;
    const mine = f.sender?.kind === "visitor";
    const order = this.orderOf(cid, f.seq);
    let message = mine ? this.own.get(f.client_msg_id) : undefined;
    let unseen = false;
    if (message) {
      this.outbox.delete(f.client_msg_id);
      this.save();
      Object.assign(message, { conversation: cid, seq: f.seq, ts: f.ts, order, attachments: f.attachments ?? [] });
      delete message.error;
      message.delivery = this.delivery(cid, f.seq);
    } else {
      // The AI's final message takes the place (and key) of its streamed text.
      const p = this.partial;
      const streamed = !mine && p?.conversation === cid && p.sender.id === f.sender?.id;
      if (streamed) this.partial = undefined;
      message = {
        key: mine ? f.client_msg_id : streamed ? p!.key : `${cid}:${f.seq}`, order, conversation: cid, seq: f.seq, ts: f.ts, mine,
        sender: f.sender ?? { kind: "system" }, text: f.text ?? "", attachments: f.attachments ?? [],
      };
      if (!mine && Array.isArray(f.buttons) && f.buttons.length) message.buttons = f.buttons;
      if (mine) {
        message.delivery = this.delivery(cid, f.seq);
        this.own.set(message.key, message);
      } else if (cid === this.conversation) {
        this.theirSeq = f.seq;
        unseen = f.seq > this.readSent;
      }
    }
    this.emit({ type: "message", message, unseen });
    // Staff who answer have read what came before (the server resets their unread count too).
    if (f.sender?.kind === "agent") this.readUpTo(cid, f.seq - 1);
  }

  private onAck(f: Frame): void {
    const message = this.own.get(f.client_msg_id);
    if (!message) return;
    this.adopt(f.conversation_id);
    this.outbox.delete(f.client_msg_id);
    this.save();
    Object.assign(message, { conversation: f.conversation_id, seq: f.seq, ts: f.ts, delivery: this.delivery(f.conversation_id, f.seq) });
    message.order = this.orderOf(f.conversation_id, f.seq);
    delete message.error;
    this.emit({ type: "message", message });
  }

  private onStatus(f: Frame): void {
    if (!this.fresh(f)) return;
    const cid: string = f.conversation_id;
    const change: StatusChange = {
      key: `${cid}:${f.seq}`, order: this.orderOf(cid, f.seq), conversation: cid, ts: f.ts ?? this.o.now(),
      status: f.status, agent: f.agent ?? null,
    };
    const p = this.partial;
    if (p?.conversation === cid && f.status !== "bot") {
      this.partial = undefined; // a person took over, or the AI failed: its text is not kept
      this.emit({ type: "drop", key: p.key });
    }
    this.emit({ type: "status", change });
    if (f.status !== "waiting" && cid === this.conversation) this.emit({ type: "queue", position: null });
  }

  // The AI's reply so far (the whole text each time): one bubble, updated in place, busy until
  // its message arrives. Another conversation's partial is not ours to show.
  private onPartial(f: Frame): void {
    const cid = f.conversation_id;
    if (cid !== this.conversation) return;
    const message = (this.partial ||= {
      key: `${cid}:p${++this.ids}`, order: Infinity, conversation: cid,
      ts: this.o.now(), mine: false, sender: f.sender ?? { kind: "bot" }, text: "", attachments: [], streaming: true,
    });
    message.text = f.text;
    this.emit({ type: "message", message });
  }

  private onRead(f: Frame): void {
    if (f.reader?.kind !== "visitor") this.readUpTo(f.conversation_id, f.seq);
  }

  private onError(f: Frame): void {
    const ref: string | undefined = f.ref;
    const item = ref ? this.outbox.get(ref) : undefined;
    const message = ref ? this.own.get(ref) : undefined;
    if (item && message && message.delivery === "pending") {
      item.error = message.error = f.code;
      message.delivery = "failed";
      this.save();
      this.emit({ type: "message", message });
    }
    if (ref && this.identifies.has(ref)) return this.settleIdentify(ref, undefined, f);
    this.emit({ type: "error", code: f.code, message: f.message ?? "", ref });
  }

  private settleIdentify(id: string, visitor: unknown, error?: Frame): void {
    const waiter = this.identifies.get(id);
    if (!waiter) return;
    this.identifies.delete(id);
    if (error) return waiter.reject(error);
    this.identified = true;
    this.save();
    waiter.resolve(visitor);
  }

  private delivery(cid: string, seq: number): Delivery { return (this.readSeq.get(cid) ?? 0) >= seq ? "read" : "sent"; }

  private readUpTo(cid: string, seq: number): void {
    if (seq <= (this.readSeq.get(cid) ?? 0)) return;
    this.readSeq.set(cid, seq);
    for (const message of this.own.values())
      if (message.conversation === cid && message.delivery === "sent" && message.seq! <= seq) {
        message.delivery = "read";
        this.emit({ type: "message", message });
      }
  }

  // True the first time a seq of a conversation arrives: resumes and replays never repeat one.
  private fresh(f: Frame): boolean {
    const cid = f.conversation_id;
    if (typeof cid !== "string" || typeof f.seq !== "number") return false;
    if (f.seq <= (this.lastSeq.get(cid) ?? 0)) return false;
    this.lastSeq.set(cid, f.seq);
    return true;
  }

  private adopt(cid: string): void {
    if (!this.lastSeq.has(cid)) this.lastSeq.set(cid, 0);
    if (cid === this.conversation) return;
    this.conversation = cid;
    this.theirSeq = this.readSent = 0;
    this.save();
    if (this.wantsHuman) this.escalate();
  }

  private orderOf(cid: string, seq: number): number {
    if (!this.conversationRank.has(cid)) this.conversationRank.set(cid, this.conversationRank.size);
    return this.conversationRank.get(cid)! * 2 ** 32 + seq;
  }

  private track(item: OutboxItem): ChatMessage {
    const message: ChatMessage = {
      key: item.client_msg_id, order: Infinity, ts: item.ts, mine: true, sender: { kind: "visitor" },
      text: item.text, attachments: item.attachments, delivery: item.error ? "failed" : "pending", error: item.error,
    };
    this.own.set(message.key, message);
    this.emit({ type: "message", message });
    return message;
  }

  private transmit(item: OutboxItem): void {
    const frame: Frame = { type: "message", client_msg_id: item.client_msg_id, text: item.text };
    if (item.attachments.length) frame.attachments = item.attachments.map((a) => ({ id: a.id }));
    if (this.welcomed) this.raw(frame);
  }

  private sendOrQueue(frame: Frame): void {
    if (this.welcomed) this.raw(frame);
    else this.control.push(frame);
  }

  private raw(frame: Frame): void { this.ws?.send(JSON.stringify(frame)); }

  private save(): void {
    if (!this.persisting || !this.o.save) return;
    this.o.save({
      token: this.token, conversation: this.conversation, read: this.readSent, identified: this.identified,
      outbox: [...this.outbox.values()],
    });
  }

  private setState(state: ConnectionState): void {
    if (state === this.state) return;
    this.state = state;
    this.emit({ type: "state", state });
  }

  private emit(event: ClientEvent): void { this.o.onEvent(event); }

  private newId(prefix: string): string {
    return prefix + this.o.now().toString(36) + (++this.ids).toString(36) + Math.floor(this.o.random() * 2 ** 40).toString(36);
  }
}
