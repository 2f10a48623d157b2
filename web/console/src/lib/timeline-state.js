// One conversation's timeline as a pure fold: history pages (GET .../messages), live `message`
// and `status` frames, and the agent's own messages from the moment they are typed until the
// server's frame for them arrives. Entries are kept in seq order, each seq once.

export function initialTimeline(conversationId) {
  return { id: conversationId, entries: [], hasOlder: true, loadedOnce: false, pending: [] };
}

function seqIndex(entries, seq) {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (entries[mid].seq < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function insertEntries(entries, incoming) {
  let next = entries;
  for (const e of incoming) {
    const i = seqIndex(next, e.seq);
    if (next[i]?.seq === e.seq) continue;
    if (next === entries) next = entries.slice();
    next.splice(i, 0, e);
  }
  return next;
}

function toEntry(frame) {
  return frame.type === "status"
    ? { kind: "status", seq: frame.seq, ts: frame.ts, status: frame.status, agent: frame.agent, via: frame.via }
    : { kind: "message", seq: frame.seq, ts: frame.ts, client_msg_id: frame.client_msg_id, sender: frame.sender,
        text: frame.text ?? "", attachments: frame.attachments ?? [], private: !!frame.private,
        ...(Array.isArray(frame.buttons) && frame.buttons.length ? { buttons: frame.buttons } : {}) };
}

function settlePending(pending, entries) {
  if (!pending.length) return pending;
  const ids = new Set(entries.filter((e) => e.kind === "message").map((e) => e.client_msg_id));
  const left = pending.filter((p) => !ids.has(p.client_msg_id));
  return left.length === pending.length ? pending : left;
}

function updatePending(state, clientMsgId, patch) {
  let hit = false;
  const pending = state.pending.map((p) => (p.client_msg_id === clientMsgId ? ((hit = true), { ...p, ...patch }) : p));
  return hit ? { ...state, pending } : state;
}

/**
 * Actions: {type:"page", items, next_cursor, older}, {type:"frame", frame},
 * {type:"send", pending:{client_msg_id, text, attachments, private, ts, sender}},
 * {type:"failed", client_msg_id, error}, {type:"retry", client_msg_id}.
 */
export function reduceTimeline(state, action) {
  switch (action.type) {
    case "page": {
      const incoming = action.items.filter((f) => f.conversation_id === state.id || f.conversation_id === undefined).map(toEntry);
      const entries = insertEntries(state.entries, incoming);
      // `next_cursor` is "before_seq:N" while older messages remain; an initial page answers that too.
      const hasOlder = typeof action.next_cursor === "string" && action.next_cursor.startsWith("before_seq:");
      return { ...state, entries, hasOlder: action.older || !state.loadedOnce ? hasOlder : state.hasOlder, loadedOnce: true, pending: settlePending(state.pending, incoming) };
    }
    case "frame": {
      const f = action.frame;
      if (f.conversation_id !== state.id) return state;
      if (f.type === "message" || f.type === "status") {
        const entry = toEntry(f);
        const entries = insertEntries(state.entries, [entry]);
        return entries === state.entries ? state : { ...state, entries, pending: settlePending(state.pending, [entry]) };
      }
      if (f.type === "ack") return updatePending(state, f.client_msg_id, { state: "sent", seq: f.seq });
      return state;
    }
    case "send":
      return { ...state, pending: [...state.pending, { ...action.pending, state: "sending" }] };
    case "failed":
      return updatePending(state, action.client_msg_id, { state: "failed", error: action.error });
    case "retry":
      return updatePending(state, action.client_msg_id, { state: "sending", error: undefined });
    default:
      return state;
  }
}

/** The highest seq on screen: what `read` reports and where a resubscribe resumes. */
export function lastSeq(state) {
  return state.entries.length ? state.entries[state.entries.length - 1].seq : 0;
}

/** The oldest message seq loaded, for the next `before_seq` page. */
export function oldestSeq(state) {
  return state.entries.length ? state.entries[0].seq : null;
}

/** A staff message is "read" once the visitor's read mark reaches its seq. */
export function receiptFor(entry, visitorReadSeq) {
  if (entry.kind !== "message" || entry.private || entry.sender?.kind === "visitor") return null;
  return (visitorReadSeq ?? 0) >= entry.seq ? "read" : "sent";
}
