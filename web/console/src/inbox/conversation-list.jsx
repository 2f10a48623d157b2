// The inbox column: search, label filter, the four tabs and a windowed list of conversations.
// Lists come from the shared inbox store (kept live by the socket); searching or filtering also
// asks the server (q=, label=) so matches not loaded yet show up, and Closed pages on scroll.
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { useConsole, useInbox } from "../app/context.js";
import { BASE, linkClick } from "../app/router.js";
import { tabItems, tabBadges, labelsInUse, TABS } from "../lib/inbox-state.js";
import { formatAge, initials, visitorDisplayName } from "../lib/format.js";
import { useNow } from "./use-now.js";
import { VirtualList } from "./virtual-list.jsx";

const TAB_LABELS = { waiting: "Waiting", mine: "Mine", open: "Open", closed: "Closed" };
const TAB_STATUS = { waiting: "waiting", mine: "active", open: "active", closed: "closed" };
const ROW_HEIGHT = 76;

function previewOf(c) {
  if (c.status === "waiting" && c.last_text) return c.last_text;
  const m = c.last_message;
  if (!m) return "No messages yet";
  const who = m.sender?.kind === "visitor" ? "" : `${m.sender?.name ?? "Agent"}: `;
  return who + (m.text || (m.attachments ? "Attachment" : ""));
}

function ConversationRow({ c, selected, typing, now, tab, rowProps }) {
  const name = visitorDisplayName(c.visitor);
  const preview = typing ? "typing…" : previewOf(c);
  const age = formatAge(c.status === "waiting" ? (c.since_ts ?? c.updated_ts) : c.updated_ts, now);
  const unread = c.unread ?? 0;
  const extra = [unread ? `${unread} unread` : "", c.status === "waiting" ? `waiting ${age}` : "", c.status === "bot" ? "with the bot" : ""].filter(Boolean).join(", ");
  return (
    <li {...rowProps} class={`conversation-row${selected ? " selected" : ""}${unread ? " unread" : ""}`}
      aria-label={`${name}: ${preview}${extra ? ` (${extra})` : ""}`}>
      <a href={`${BASE}/inbox/${c.id}`} onClick={linkClick} aria-current={selected ? "true" : undefined}>
        <span class="avatar" aria-hidden="true">{initials(name)}</span>
        <span class="row-main">
          <span class="row-top">
            <span class="row-name">{name}</span>
            <span class="row-age">{age}</span>
          </span>
          <span class={`row-preview${typing ? " typing" : ""}`}>{preview}</span>
          <span class="row-meta">
            {c.status === "waiting" && c.position ? <span class="chip queue">#{c.position} in queue</span> : null}
            {c.status === "bot" ? <span class="chip bot">Bot</span> : null}
            {tab === "open" && c.agent ? <span class="chip">{c.agent.name}</span> : null}
            {(c.labels ?? []).slice(0, 3).map((l) => <span key={l} class="chip label">{l}</span>)}
          </span>
        </span>
        {unread > 0 && <span class="badge" aria-hidden="true">{unread > 99 ? "99+" : unread}</span>}
      </a>
    </li>
  );
}

function Tabs({ tab, onSelect, badges }) {
  const refs = useRef({});
  const onKeyDown = (e) => {
    const i = TABS.indexOf(tab);
    const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: TABS.length - 1 }[e.key];
    if (next === undefined) return;
    e.preventDefault();
    const t = TABS[(next + TABS.length) % TABS.length];
    onSelect(t);
    refs.current[t]?.focus();
  };
  return (
    <div role="tablist" aria-label="Conversation lists" class="tabs" onKeyDown={onKeyDown}>
      {TABS.map((t) => (
        <button key={t} type="button" role="tab" id={`tab-${t}`} ref={(el) => (refs.current[t] = el)}
          aria-selected={tab === t ? "true" : "false"} aria-controls="conversation-panel" tabIndex={tab === t ? 0 : -1}
          aria-describedby={badges[t] ? `tab-badge-${t}` : undefined} onClick={() => onSelect(t)}>
          {TAB_LABELS[t]}
          {badges[t] > 0 && <span class="badge" aria-hidden="true">{badges[t] > 99 ? "99+" : badges[t]}</span>}
          {badges[t] > 0 && <span id={`tab-badge-${t}`} hidden>{badges[t]} {t === "waiting" ? "waiting" : "with unread messages"}</span>}
        </button>
      ))}
    </div>
  );
}

// First render after login: from the login answer to the first painted list with data.
function useFirstRenderMark(ready) {
  const done = useRef(false);
  useLayoutEffect(() => {
    if (done.current || !ready || !performance.getEntriesByName("console:login-answered").length) return;
    done.current = true;
    requestAnimationFrame(() => setTimeout(() => {
      performance.mark("console:inbox-rendered");
      performance.measure("console:first-render", "console:login-answered", "console:inbox-rendered");
      performance.measure("console:login-to-inbox", "console:login-submit", "console:inbox-rendered");
    }, 0));
  }, [ready]);
}

export function ConversationList({ selectedId, tab, onTab }) {
  const { api, store } = useConsole();
  const [query, setQuery] = useState("");
  const [label, setLabel] = useState("");
  const [paging, setPaging] = useState({ key: "", cursor: null, done: false, loading: false });
  const now = useNow(30_000);
  const state = useInbox((s) => s);
  const filters = useMemo(() => ({ q: query, label }), [query, label]);
  const items = useMemo(() => tabItems(state, tab, filters), [state.conversations, state.queue, state.me, tab, filters]);
  const badges = useMemo(() => tabBadges(state), [state.conversations, state.queue, state.me]);
  const labels = useMemo(() => labelsInUse(state), [state.conversations]);

  // The server's view of this tab and filter: a first page now, more on scroll (Closed).
  const key = `${tab}|${query.trim()}|${label}`;
  const fetchPage = useCallback(async (cursor) => {
    setPaging((p) => ({ ...p, key, loading: true }));
    try {
      const filter = { q: query.trim(), label, limit: 50 };
      // Open shows what bots have too: their first page of matches comes with the first page.
      const bots = tab === "open" && !cursor ? api.get("/conversations", { ...filter, status: "bot" }).catch(() => null) : null;
      const page = await api.get("/conversations", { ...filter, status: TAB_STATUS[tab], cursor });
      store.dispatch({ type: "loaded", items: page.items, list: tab === "closed" ? "closed" : undefined });
      const botPage = await bots;
      if (botPage) store.dispatch({ type: "loaded", items: botPage.items });
      setPaging((p) => (p.key === key ? { key, cursor: page.next_cursor, done: !page.next_cursor, loading: false } : p));
    } catch {
      setPaging((p) => (p.key === key ? { ...p, loading: false, done: true } : p));
    }
  }, [api, store, key]);

  useEffect(() => {
    const needed = tab === "closed" || query.trim() || label;
    if (!needed) return;
    const t = setTimeout(() => fetchPage(undefined), query ? 250 : 0);
    return () => clearTimeout(t);
  }, [key]);

  const onEndReached = useCallback(() => {
    if (paging.key === key && !paging.loading && !paging.done && paging.cursor) fetchPage(paging.cursor);
  }, [paging, key, fetchPage]);

  const ready = tab === "waiting" ? true : tab === "closed" ? !!state.loaded.closed : !!state.loaded.active;
  useFirstRenderMark(ready);

  const empty = {
    waiting: "Nobody is waiting. New visitors appear here.",
    mine: "No conversations assigned to you. Accept one from Waiting.",
    open: "No open conversations.",
    closed: "No closed conversations yet.",
  }[tab];

  return (
    <section class="conversation-list" aria-label="Conversation list">
      <div class="list-filters">
        <label class="search">
          <span class="visually-hidden">Search visitors</span>
          <input type="search" placeholder="Search name or email" value={query} onInput={(e) => setQuery(e.currentTarget.value)} />
        </label>
        <label class="label-filter">
          <span class="visually-hidden">Filter by label</span>
          <select value={label} onChange={(e) => setLabel(e.currentTarget.value)}>
            <option value="">All labels</option>
            {labels.map((l) => <option key={l.label} value={l.label}>{l.label} ({l.count})</option>)}
            {label && !labels.some((l) => l.label === label) && <option value={label}>{label}</option>}
          </select>
        </label>
      </div>
      <Tabs tab={tab} onSelect={onTab} badges={badges} />
      <div role="tabpanel" id="conversation-panel" aria-labelledby={`tab-${tab}`} class="tab-panel">
        {!ready ? (
          <p class="empty" role="status">Loading conversations…</p>
        ) : (
          <VirtualList items={items} rowHeight={ROW_HEIGHT} label={`${TAB_LABELS[tab]} conversations`}
            emptyText={query || label ? "No conversation matches." : empty} onEndReached={onEndReached}
            renderRow={(c, i, rowProps) => (
              <ConversationRow key={c.id} c={c} tab={tab} now={now} rowProps={rowProps}
                selected={c.id === selectedId} typing={state.typing[c.id]?.kind === "visitor"} />
            )} />
        )}
        {paging.loading && paging.key === key && <p class="list-loading" role="status">Loading…</p>}
      </div>
    </section>
  );
}
