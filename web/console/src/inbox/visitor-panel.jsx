// The side panel about the visitor: identity and prechat fields, where they are (country, city,
// page), when they came, and their other conversations (GET /conversations?visitor_id=).
import { useEffect, useState } from "preact/hooks";
import { useConsole } from "../app/context.js";
import { BASE, linkClick } from "../app/router.js";
import { countryName, formatMessageTime, visitorDisplayName } from "../lib/format.js";

function Field({ label, children }) {
  if (children === null || children === undefined || children === "") return null;
  return (
    <>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </>
  );
}

function safeHref(url) {
  return /^https?:\/\//i.test(url ?? "") ? url : null;
}

export function VisitorPanel({ visitorId, conversationId }) {
  const { api } = useConsole();
  const [visitor, setVisitor] = useState(null);
  const [history, setHistory] = useState(null);
  const [error, setError] = useState("");

  useEffect(() => {
    if (!visitorId) return;
    let live = true;
    setVisitor(null);
    setHistory(null);
    setError("");
    api.get(`/visitors/${visitorId}`).then((v) => live && setVisitor(v), (e) => live && setError(e.message));
    api.get("/conversations", { visitor_id: visitorId, limit: 20 }).then((r) => live && setHistory(r.items), () => live && setHistory([]));
    return () => (live = false);
  }, [visitorId, conversationId]);

  const now = Date.now();
  const others = (history ?? []).filter((c) => c.id !== conversationId);
  const page = visitor?.page_url;
  return (
    <aside class="visitor-panel" aria-label="Visitor details">
      {error && <p class="form-error" role="alert">{error}</p>}
      {!visitor && !error && <p class="empty" role="status">Loading visitor…</p>}
      {visitor && (
        <>
          <h2 class="panel-title">
            {visitorDisplayName(visitor)}
            <span class={`presence-pill ${visitor.online ? "online" : "offline"}`}>{visitor.online ? "Online" : "Offline"}</span>
          </h2>
          <dl class="facts">
            <Field label="Email">{visitor.email && <a href={`mailto:${visitor.email}`}>{visitor.email}</a>}</Field>
            <Field label="Phone">{visitor.phone && <a href={`tel:${visitor.phone}`}>{visitor.phone}</a>}</Field>
            {Object.entries(visitor.fields ?? {}).map(([k, v]) => <Field key={k} label={k}>{String(v)}</Field>)}
            <Field label="Location">{[visitor.city, countryName(visitor.country)].filter(Boolean).join(", ")}</Field>
            <Field label="Page">{page && (safeHref(page) ? <a href={safeHref(page)} target="_blank" rel="noopener noreferrer">{page}</a> : page)}</Field>
            <Field label="First seen">{visitor.first_seen_ts && formatMessageTime(visitor.first_seen_ts, now)}</Field>
            <Field label="Last seen">{visitor.last_seen_ts && formatMessageTime(visitor.last_seen_ts, now)}</Field>
          </dl>
        </>
      )}
      <h3 class="panel-subtitle">Past conversations</h3>
      {history === null ? <p class="empty">Loading…</p> : others.length === 0 ? <p class="empty">None before this one.</p> : (
        <ul class="past-list">
          {others.map((c) => (
            <li key={c.id}>
              <a href={`${BASE}/inbox/${c.id}`} onClick={linkClick}>
                <span class={`status-pill ${c.status}`}>{c.status}</span>
                <span class="past-when">{formatMessageTime(c.created_ts ?? c.updated_ts, now)}</span>
                <span class="past-text">{c.last_message?.text ?? "No messages"}</span>
              </a>
            </li>
          ))}
        </ul>
      )}
    </aside>
  );
}
