// The inbox as a pure fold: conversation summaries, the queue, colleagues' presence, who is
// typing and how far each visitor has read, built from HTTP list pages and agent-socket frames.
// `reduceInbox(state, action)` never mutates `state`; frames are applied idempotently (a frame
// whose seq the summary already has changes nothing), so replays after a resubscribe are safe.

export const TABS = ["waiting", "mine", "open", "closed"];

export function initialInbox() {
  // `loaded`: which HTTP lists ("active", "waiting", "closed") have answered at least once.
  return { me: null, conversations: {}, queue: { waiting: [], total: 0 }, presence: {}, typing: {}, visitorRead: {}, loaded: {} };
}

// The server names unidentified visitors "Visitor" on the wire, and socket-fed summaries
// (welcome, queue, assigned) carry that placeholder even for identified visitors, while
// GET /conversations carries the identified name and email: never let the placeholder win.
function mergeVisitor(known, incoming) {
  if (!incoming) return known;
  if (!known) return incoming;
  const placeholder = !incoming.name || incoming.name === "Visitor";
  return {
    ...known,
    ...incoming,
    name: placeholder && known.name ? known.name : incoming.name,
    email: incoming.email ?? known.email,
  };
}

// The summary after folding `item` into what is known of it (null: nothing known yet).
function merged(known, item) {
  if (!known) return { labels: [], unread: 0, last_seq: 0, ...item };
  // An older snapshot (a lower last_seq) may still bring a better visitor name or labels.
  const newer = (item.last_seq ?? 0) >= (known.last_seq ?? 0);
  const next = newer ? { ...known, ...item } : { ...known, labels: item.labels ?? known.labels };
  next.visitor = mergeVisitor(known.visitor, item.visitor);
  if (!newer || item.last_message === undefined) next.last_message = known.last_message;
  return next;
}

function upsert(conversations, item) {
  return { ...conversations, [item.id]: merged(conversations[item.id], item) };
}

// One copy of the map for a whole page (a copy per item would be quadratic).
function upsertAll(conversations, items) {
  if (!items.length) return conversations;
  const next = { ...conversations };
  for (const item of items) next[item.id] = merged(next[item.id], item);
  return next;
}

function applyMessage(state, f) {
  const conv = state.conversations[f.conversation_id];
  if (!conv || f.seq <= (conv.last_seq ?? 0)) return state;
  const next = { ...conv, last_seq: f.seq, updated_ts: f.ts ?? conv.updated_ts };
  if (!f.private) {
    next.last_message = { seq: f.seq, text: f.text, sender: f.sender, ts: f.ts, attachments: f.attachments?.length ?? 0 };
    if (f.sender?.kind === "visitor") next.unread = (conv.unread ?? 0) + 1;
    else if (f.sender?.kind === "agent") next.unread = 0;  // a staff reply resets unread (server rule)
  }
  const typing = f.sender?.kind === "visitor" ? without(state.typing, f.conversation_id) : state.typing;
  return { ...state, typing, conversations: { ...state.conversations, [conv.id]: next } };
}

function applyStatus(state, f) {
  const conv = state.conversations[f.conversation_id];
  if (!conv || f.seq <= (conv.last_seq ?? 0)) return state;
  const next = { ...conv, status: f.status, agent: f.agent ?? null, last_seq: f.seq, updated_ts: f.ts ?? conv.updated_ts };
  const typing = f.status === "closed" ? without(state.typing, conv.id) : state.typing;
  return { ...state, typing, conversations: { ...state.conversations, [conv.id]: next } };
}

function applyRead(state, f) {
  const id = f.conversation_id;
  if (f.reader?.kind === "visitor") {
    if ((state.visitorRead[id] ?? 0) >= f.seq) return state;
    return { ...state, visitorRead: { ...state.visitorRead, [id]: f.seq } };
  }
  const conv = state.conversations[id];
  if (!conv || !conv.unread || f.seq < (conv.last_message?.seq ?? 0)) return state;
  return { ...state, conversations: { ...state.conversations, [id]: { ...conv, unread: 0 } } };
}

function without(obj, key) {
  if (!(key in obj)) return obj;
  const next = { ...obj };
  delete next[key];
  return next;
}

function applyFrame(state, f) {
  switch (f.type) {
    case "welcome":
      return {
        ...state,
        me: f.user,
        queue: { waiting: f.queue?.waiting ?? [], total: f.queue?.total ?? f.queue?.waiting?.length ?? 0 },
        conversations: upsertAll(state.conversations, f.conversations ?? []),
      };
    case "queue":
      return { ...state, queue: { waiting: f.waiting ?? [], total: f.total ?? f.waiting?.length ?? 0 } };
    case "assigned": {
      // No seq on `assigned`: it is news by definition (an assignment that just happened).
      const c = f.conversation;
      const known = state.conversations[c.id];
      const item = known ? { ...known, status: c.status, agent: c.agent, visitor: mergeVisitor(known.visitor, c.visitor) } : { labels: [], unread: 0, last_seq: 0, ...c };
      return { ...state, conversations: { ...state.conversations, [c.id]: item } };
    }
    case "presence":
      return { ...state, presence: { ...state.presence, [f.user_id]: { name: f.name, presence: f.presence, active: f.active, capacity: f.capacity } } };
    case "message":
      return applyMessage(state, f);
    case "status":
      return applyStatus(state, f);
    case "read":
      return applyRead(state, f);
    case "typing":
      if (f.sender?.id === state.me?.id) return state;
      return { ...state, typing: f.on ? { ...state.typing, [f.conversation_id]: f.sender } : without(state.typing, f.conversation_id) };
    default:
      return state;
  }
}

/**
 * @param {ReturnType<typeof initialInbox>} state
 * @param {{type: "frame", frame: object} | {type: "loaded", items: object[], list?: string} | {type: "patched", conversation: object} | {type: "me", user: object}} action
 */
export function reduceInbox(state, action) {
  switch (action.type) {
    case "frame":
      return applyFrame(state, action.frame);
    case "loaded": {
      const loaded = action.list && !state.loaded[action.list] ? { ...state.loaded, [action.list]: true } : state.loaded;
      return { ...state, loaded, conversations: upsertAll(state.conversations, action.items) };
    }
    case "patched": {
      // Answers of accept/close/transfer/labels: the actor's view (no last_message, no unread).
      const c = action.conversation;
      const known = state.conversations[c.id];
      const patch = { id: c.id, status: c.status, agent: c.agent ?? null, labels: c.labels ?? known?.labels, last_seq: c.last_seq, updated_ts: c.updated_ts };
      if (!known) return { ...state, conversations: upsert(state.conversations, { ...patch, visitor: c.visitor, created_ts: c.created_ts }) };
      return { ...state, conversations: upsert(state.conversations, patch) };
    }
    case "me":
      return { ...state, me: action.user };
    default:
      return state;
  }
}

// ---- selectors ----

/** Search (`q`: prefix of the visitor's name or email, as the server's q=) and label filters. */
export function matchesFilters(conv, { q = "", label = "" } = {}) {
  if (label && !(conv.labels ?? []).includes(label)) return false;
  const query = q.trim().toLowerCase();
  if (!query) return true;
  const name = (conv.visitor?.name ?? "").toLowerCase();
  const email = (conv.visitor?.email ?? "").toLowerCase();
  return name.startsWith(query) || email.startsWith(query);
}

/** The waiting tab: queue order, each item joined with what the inbox knows of its conversation. */
export function waitingItems(state, filters) {
  const out = [];
  for (const w of state.queue.waiting) {
    const conv = state.conversations[w.conversation_id];
    const item = {
      ...(conv ?? { labels: [], unread: 0 }),
      id: w.conversation_id,
      status: "waiting",
      visitor: mergeVisitor(conv?.visitor, w.visitor),
      position: w.position,
      since_ts: w.since_ts,
      last_text: w.last_text,
    };
    if (matchesFilters(item, filters)) out.push(item);
  }
  return out;
}

const byUpdatedDesc = (a, b) => (b.updated_ts ?? 0) - (a.updated_ts ?? 0) || (a.id < b.id ? 1 : -1);

export function tabItems(state, tab, filters) {
  if (tab === "waiting") return waitingItems(state, filters);
  const meId = state.me?.id;
  // Open lists what a bot has too; one the queue names was handed off (its status frame may lag).
  const queued = tab === "open" ? new Set(state.queue.waiting.map((w) => w.conversation_id)) : null;
  const keep = {
    mine: (c) => c.status === "active" && c.agent?.id === meId,
    open: (c) => c.status === "active" || (c.status === "bot" && !queued.has(c.id)),
    closed: (c) => c.status === "closed",
  }[tab];
  if (!keep) return [];
  const out = [];
  for (const c of Object.values(state.conversations)) if (keep(c) && matchesFilters(c, filters)) out.push(c);
  return out.sort(byUpdatedDesc);
}

/** Badge figures per tab: waiting = queue length, the others = conversations with unread messages. */
export function tabBadges(state) {
  const meId = state.me?.id;
  let mine = 0;
  let open = 0;
  for (const c of Object.values(state.conversations)) {
    if (c.status !== "active" || !c.unread) continue;
    open++;
    if (c.agent?.id === meId) mine++;
  }
  return { waiting: state.queue.total, mine, open, closed: 0 };
}

/** What the tab title counts: visitors waiting plus unread messages in my conversations. */
export function attentionCount(state) {
  const meId = state.me?.id;
  let n = state.queue.total;
  for (const c of Object.values(state.conversations))
    if (c.status === "active" && c.agent?.id === meId) n += c.unread ?? 0;
  return n;
}

/** Every label seen on a loaded conversation, with how many carry it, most used first. */
export function labelsInUse(state) {
  const counts = new Map();
  for (const c of Object.values(state.conversations))
    for (const l of c.labels ?? []) counts.set(l, (counts.get(l) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([label, count]) => ({ label, count }));
}

/** Conversations the agent socket should watch: the head of the queue and the open ones (a bot's too). */
export function conversationsToWatch(state, limit = 1000, queueHead = 100) {
  const ids = new Set();
  for (const w of state.queue.waiting.slice(0, queueHead)) ids.add(w.conversation_id);
  const active = Object.values(state.conversations).filter((c) => c.status === "active" || c.status === "bot").sort(byUpdatedDesc);
  for (const c of active) {
    if (ids.size >= limit) break;
    ids.add(c.id);
  }
  return ids;
}
