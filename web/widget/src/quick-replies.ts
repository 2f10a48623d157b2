// Which quick replies the widget shows: the buttons of the latest entry of the log, when that is
// a bot's message with buttons. The visitor's own messages count from the moment they are typed
// (a pending one sorts last), so a pick or anything typed hides them at once; a status change
// after the bot's message (handoff, an agent joined, closed) hides them too. Updates of older
// entries (ticks, acks of earlier messages) change nothing. No DOM: unit-tested under Node.
import type { ChatMessage, QuickReply, StatusChange } from "./client-types";

interface Entry { key: string; order: number; buttons: QuickReply[] }

const NONE: QuickReply[] = [];

export class QuickReplies {
  private readonly entries = new Map<string, Entry>();
  private top?: Entry; // the entry with the highest order

  // The quick replies to show after this message was added or changed.
  message(m: ChatMessage): QuickReply[] {
    return this.put(m.key, m.order, m.mine ? NONE : m.buttons ?? NONE);
  }

  // The quick replies to show after this status change (a bot taking over is no news here).
  status(change: StatusChange): QuickReply[] {
    return change.status === "bot" ? this.current() : this.put(change.key, change.order, NONE);
  }

  current(): QuickReply[] { return this.top?.buttons ?? NONE; }

  private put(key: string, order: number, buttons: QuickReply[]): QuickReply[] {
    const entry = { key, order, buttons };
    this.entries.set(key, entry);
    if (!this.top || order >= this.top.order) this.top = entry;
    else if (this.top.key === key) { // the latest moved back (a pending message got its seq): look again
      this.top = undefined;
      for (const e of this.entries.values()) if (!this.top || e.order >= this.top.order) this.top = e;
    }
    return this.current();
  }
}
