// What deserves the agent's attention, and how it is signalled: the tab title's count, a short
// chime (Web Audio, no file to fetch) and a browser notification. The decisions are pure
// functions; `Notifier` does the browser side and is created once per session.

/** "(3) Inbox · Switchboard" */
export function documentTitle(count, section) {
  const base = section ? `${section} · Switchboard` : "Switchboard";
  return count > 0 ? `(${count > 99 ? "99+" : count}) ${base}` : base;
}

/** Conversations that joined the queue between two queue snapshots. */
export function newlyWaiting(prevWaiting, nextWaiting) {
  const before = new Set(prevWaiting.map((w) => w.conversation_id));
  return nextWaiting.filter((w) => !before.has(w.conversation_id));
}

/**
 * Whether a live `message` frame should alert: a fresh visitor message (a seq the inbox had
 * not seen) in a conversation this agent has, unless the agent is looking at it right now.
 */
export function messageNeedsAlert(inbox, frame, { focusedId, pageVisible }) {
  if (frame.type !== "message" || frame.private || frame.sender?.kind !== "visitor") return false;
  const conv = inbox.conversations[frame.conversation_id];
  if (!conv || frame.seq <= (conv.last_seq ?? 0)) return false;
  const mine = conv.status === "active" && conv.agent?.id === inbox.me?.id;
  if (!mine) return false;
  return !(pageVisible && focusedId === frame.conversation_id);
}

export class Notifier {
  constructor() {
    this.audio = null;
    this.soundOn = true;
  }

  get permission() {
    return typeof Notification === "undefined" ? "unsupported" : Notification.permission;
  }

  /** Call from a click: browsers grant permission only on a user gesture. */
  async requestPermission() {
    this.unlockAudio();
    if (this.permission === "default") await Notification.requestPermission();
    return this.permission;
  }

  /** Audio may start only after a user gesture; the shell calls this on the first one. */
  unlockAudio() {
    if (this.audio || typeof AudioContext === "undefined") return;
    this.audio = new AudioContext();
  }

  chime() {
    if (!this.soundOn || !this.audio) return;
    const ctx = this.audio;
    if (ctx.state === "suspended") ctx.resume();
    const t = ctx.currentTime;
    const gain = ctx.createGain();
    gain.gain.setValueAtTime(0.0001, t);
    gain.gain.exponentialRampToValueAtTime(0.15, t + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.45);
    gain.connect(ctx.destination);
    for (const [freq, start] of [[880, 0], [1320, 0.12]]) {
      const osc = ctx.createOscillator();
      osc.type = "sine";
      osc.frequency.value = freq;
      osc.connect(gain);
      osc.start(t + start);
      osc.stop(t + start + 0.3);
    }
  }

  /** A notification (when granted and the page is hidden) and a chime. */
  alert({ title, body, tag, onClick }) {
    this.chime();
    if (this.permission !== "granted" || document.visibilityState === "visible") return;
    const n = new Notification(title, { body, tag });
    n.onclick = () => {
      window.focus();
      onClick?.();
      n.close();
    };
  }
}
