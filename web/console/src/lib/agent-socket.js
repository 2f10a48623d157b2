// The staff console's one connection to /ws/agent. It says hello with the session token,
// reconnects with jittered backoff, and after every welcome restores what the console asked
// for: subscriptions (resumed after the last seq seen, so nothing is missed or doubled),
// watch_stats, presence, and agent messages not yet acknowledged (same client_msg_id, so the
// server stores them once). Subscribes are paced under the server's per-socket frame rate.
import { reconnectDelay } from "./backoff.js";

const SUBSCRIBES_PER_TICK = 100;
const TICK_MS = 100;

export class AgentSocket {
  /**
   * @param {{url: string, token: string, WebSocketImpl?: typeof WebSocket,
   *   onFrame: (f: object) => void, onState?: (s: "connecting"|"live"|"offline") => void,
   *   onUnauthorized?: (reason: string) => void, setTimer?: typeof setTimeout, clearTimer?: typeof clearTimeout,
   *   random?: () => number}} options
   */
  constructor(options) {
    this.options = options;
    this.WebSocketImpl = options.WebSocketImpl ?? globalThis.WebSocket;
    this.setTimer = options.setTimer ?? setTimeout.bind(globalThis);
    this.clearTimer = options.clearTimer ?? clearTimeout.bind(globalThis);
    this.subscriptions = new Map();  // conversation_id -> last seq seen
    this.unacked = new Map();        // client_msg_id -> message frame
    this.subscribeQueue = new Set();  // conversation ids whose subscribe waits for the pacer
    this.statsWatch = null;
    this.presence = null;
    this.attempt = 0;
    this.live = false;
    this.stopped = false;
    this.ws = null;
    this.retryTimer = null;
    this.pacer = null;
  }

  start() {
    this.stopped = false;
    this.#connect();
  }

  stop() {
    this.stopped = true;
    this.live = false;
    if (this.retryTimer) this.clearTimer(this.retryTimer);
    if (this.pacer) this.clearTimer(this.pacer);
    this.retryTimer = this.pacer = null;
    const ws = this.ws;
    this.ws = null;
    if (ws) ws.close(1000, "bye");
  }

  #state(s) {
    this.options.onState?.(s);
  }

  #connect() {
    this.#state("connecting");
    const ws = new this.WebSocketImpl(this.options.url);
    this.ws = ws;
    ws.onopen = () => ws.send(JSON.stringify({ type: "hello", token: this.options.token }));
    ws.onmessage = (ev) => {
      if (ws !== this.ws) return;
      let frame;
      try {
        frame = JSON.parse(ev.data);
      } catch {
        return;
      }
      this.#onFrame(frame);
    };
    ws.onclose = (ev) => {
      if (ws !== this.ws) return;
      this.ws = null;
      this.live = false;
      if (this.pacer) this.clearTimer(this.pacer);
      this.pacer = null;
      if (this.stopped) return;
      if (ev.code === 4401) {
        this.stopped = true;
        this.#state("offline");
        this.options.onUnauthorized?.(ev.reason || "session ended");
        return;
      }
      this.#state("offline");
      const delay = reconnectDelay(this.attempt++, { random: this.options.random });
      this.retryTimer = this.setTimer(() => {
        this.retryTimer = null;
        if (!this.stopped) this.#connect();
      }, delay);
    };
  }

  #onFrame(frame) {
    if (frame.type === "welcome") {
      this.live = true;
      this.attempt = 0;
      this.#state("live");
      this.options.onFrame(frame);
      this.#restore();
      return;
    }
    if ((frame.type === "message" || frame.type === "status") && this.subscriptions.has(frame.conversation_id)) {
      const seen = this.subscriptions.get(frame.conversation_id);
      if (frame.seq > seen) this.subscriptions.set(frame.conversation_id, frame.seq);
    }
    if (frame.type === "ack") this.unacked.delete(frame.client_msg_id);
    if (frame.type === "error" && frame.code === "unauthorized" && !this.live) {
      this.stopped = true;
      this.options.onUnauthorized?.(frame.message || "unauthorized");
    }
    this.options.onFrame(frame);
  }

  #restore() {
    this.subscribeQueue = new Set(this.subscriptions.keys());
    this.#pace();
    if (this.presence) this.#raw({ type: "presence", status: this.presence });
    if (this.statsWatch) this.#raw({ type: "watch_stats", ...this.statsWatch });
    for (const frame of this.unacked.values()) this.#raw(frame);
  }

  #pace() {
    if (this.pacer || !this.live) return;
    const batch = [...this.subscribeQueue].slice(0, SUBSCRIBES_PER_TICK);
    for (const id of batch) this.subscribeQueue.delete(id);
    for (const id of batch)
      if (this.subscriptions.has(id))
        this.#raw({ type: "subscribe", conversation_id: id, after_seq: this.subscriptions.get(id) });
    if (batch.length)  // a cool-down after every batch: at most SUBSCRIBES_PER_TICK per tick
      this.pacer = this.setTimer(() => {
        this.pacer = null;
        this.#pace();
      }, TICK_MS);
  }

  #raw(frame) {
    if (this.live && this.ws) this.ws.send(JSON.stringify(frame));
  }

  /** Watch a conversation from `afterSeq` on (kept across reconnects). Lowering it replays. */
  subscribe(conversationId, afterSeq = 0) {
    const known = this.subscriptions.get(conversationId);
    if (known !== undefined && known <= afterSeq) return;
    this.subscriptions.set(conversationId, afterSeq);
    this.subscribeQueue.add(conversationId);
    this.#pace();
  }

  unsubscribe(conversationId) {
    if (!this.subscriptions.delete(conversationId)) return;
    this.#raw({ type: "unsubscribe", conversation_id: conversationId });
  }

  isSubscribed(conversationId) {
    return this.subscriptions.has(conversationId);
  }

  /** An agent message; kept until acknowledged and resent with the same id after a reconnect. */
  sendMessage(frame) {
    const full = { type: "message", ...frame };
    this.unacked.set(frame.client_msg_id, full);
    this.#raw(full);
  }

  /** Frames that only matter now (typing, read, accept...): dropped while disconnected. */
  send(frame) {
    this.#raw(frame);
    return this.live;
  }

  watchStats(params) {
    this.statsWatch = params;
    this.#raw({ type: "watch_stats", ...params });
  }

  unwatchStats() {
    if (!this.statsWatch) return;
    this.statsWatch = null;
    this.#raw({ type: "unwatch_stats" });
  }

  setPresence(status) {
    this.presence = status;
    this.#raw({ type: "presence", status });
  }
}
