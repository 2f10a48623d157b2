// The conversation's messages (role log): day separators, status lines, private notes,
// attachments, a bot's messages (its name, a "Bot" badge, the quick replies it offered),
// delivery and read receipts, and the agent's pending messages. Scrolling near the
// top loads older pages without moving what is on screen; new messages stick to the bottom
// only when the agent was already there (else a "new messages" button appears).
import { useLayoutEffect, useRef, useState } from "preact/hooks";
import { formatDayLabel, formatMessageTime, isNewDay, visitorDisplayName } from "../lib/format.js";
import { receiptFor } from "../lib/timeline-state.js";
import { Attachments } from "./attachments.jsx";

const URL_RE = /(https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]])/g;

function Linkified({ text }) {
  const parts = text.split(URL_RE);
  return parts.map((p, i) => (i % 2 ? <a key={i} href={p} target="_blank" rel="noopener noreferrer nofollow">{p}</a> : p));
}

function statusText(e) {
  const who = e.agent?.name ?? "an agent";
  if (e.status === "waiting") return { open: "Waiting in the queue", reopen: "Reopened by the visitor: back in the queue", requeue: "Back in the queue: the agent went offline",
    handoff: "Handed over by the bot: waiting in the queue", escalate: "The visitor asked for a person: waiting in the queue" }[e.via] ?? "Waiting in the queue";
  if (e.status === "bot") return "A bot answers";
  if (e.status === "closed" && e.via === "bot") return "Closed by the bot";
  if (e.status === "active") return { assign: `Assigned to ${who}`, transfer: `Transferred to ${who}` }[e.via] ?? `Accepted by ${who}`;
  if (e.status === "closed") return "Conversation closed";
  return e.status;
}

function Receipt({ state }) {
  if (state === "read") return <span class="receipt read"><span aria-hidden="true">✓✓ </span>Read</span>;
  return <span class="receipt"><span aria-hidden="true">✓ </span>Sent</span>;
}

function MessageEntry({ e, visitorName, readSeq, now, onRetry }) {
  const kind = e.sender?.kind ?? "system";
  const name = kind === "visitor" ? visitorName : e.sender?.name || (kind === "bot" ? "Bot" : "System");
  const receipt = e.pending ? null : receiptFor(e, readSeq);
  return (
    <li class={`message ${kind}${e.private ? " note" : ""}${e.pending ? ` pending ${e.pending}` : ""}`}>
      <div class="bubble">
        {e.private && <span class="note-tag">Private note · only staff see this</span>}
        {e.text && <p class="text"><Linkified text={e.text} /></p>}
        <Attachments items={e.attachments} />
        {e.buttons && (
          <p class="quick-replies"><span class="visually-hidden">Quick replies offered: </span>
            {e.buttons.map((b, i) => <span key={i} class="chip" title={`Sends "${b.value}"`}>{b.label}</span>)}
          </p>
        )}
      </div>
      <div class="message-meta">
        <span class="sender">{name}</span>
        {kind === "bot" && <span class="chip bot">Bot</span>}
        <time dateTime={new Date(e.ts).toISOString()}>{formatMessageTime(e.ts, now)}</time>
        {receipt && <Receipt state={receipt} />}
        {e.pending === "sending" && <span class="receipt">Sending…</span>}
        {e.pending === "sent" && <Receipt state="sent" />}
        {e.pending === "failed" && (
          <span class="receipt failed" role="alert">
            Not sent{e.error ? `: ${e.error}` : ""} <button type="button" class="link-button" onClick={() => onRetry(e.client_msg_id)}>Retry</button>
          </span>
        )}
      </div>
    </li>
  );
}

export function MessageTimeline({ timeline, visitor, readSeq, loadingOlder, onLoadOlder, onRetry }) {
  const scroller = useRef(null);
  const atBottom = useRef(true);
  const prev = useRef({ height: 0, first: null, last: null });
  const [unseen, setUnseen] = useState(false);
  const now = Date.now();
  const visitorName = visitorDisplayName(visitor);

  const pending = timeline.pending.map((p) => ({ kind: "message", seq: Infinity, ...p, pending: p.state, sender: p.sender }));
  const entries = [...timeline.entries, ...pending];
  const first = timeline.entries[0]?.seq ?? null;
  const last = entries.length ? entries[entries.length - 1].client_msg_id ?? entries[entries.length - 1].seq : null;

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const p = prev.current;
    const prepended = p.first !== null && first !== null && first < p.first && last === p.last;
    if (prepended) el.scrollTop += el.scrollHeight - p.height;
    else if (last !== p.last) {
      const mine = entries[entries.length - 1]?.pending;
      if (atBottom.current || mine || p.last === null) el.scrollTop = el.scrollHeight;
      else setUnseen(true);
    }
    prev.current = { height: el.scrollHeight, first, last };
  });

  const onScroll = () => {
    const el = scroller.current;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 48;
    if (atBottom.current) setUnseen(false);
    if (el.scrollTop < 120 && timeline.hasOlder && !loadingOlder) onLoadOlder();
  };

  const jump = () => {
    scroller.current.scrollTop = scroller.current.scrollHeight;
    setUnseen(false);
  };

  let prevTs = null;
  const items = [];
  for (const e of entries) {
    if (isNewDay(prevTs, e.ts)) items.push(<li key={`day-${e.ts}`} class="day-separator"><span>{formatDayLabel(e.ts, now)}</span></li>);
    prevTs = e.ts;
    if (e.kind === "status") items.push(<li key={`s${e.seq}`} class="status-line">{statusText(e)} · <time dateTime={new Date(e.ts).toISOString()}>{formatMessageTime(e.ts, now)}</time></li>);
    else items.push(<MessageEntry key={e.client_msg_id ? `${e.sender?.id}:${e.client_msg_id}` : `m${e.seq}`} e={e} visitorName={visitorName} readSeq={readSeq} now={now} onRetry={onRetry} />);
  }

  return (
    <div class="timeline-wrap">
      <div class="timeline" ref={scroller} onScroll={onScroll} role="log" aria-label="Messages" tabIndex={0}>
        {timeline.hasOlder && timeline.loadedOnce && (
          <button type="button" class="button ghost small load-older" onClick={onLoadOlder} disabled={loadingOlder}>
            {loadingOlder ? "Loading earlier messages…" : "Load earlier messages"}
          </button>
        )}
        {!timeline.loadedOnce && <p class="empty" role="status">Loading messages…</p>}
        <ol class="messages">{items}</ol>
      </div>
      {unseen && <button type="button" class="button small jump-latest" onClick={jump}>New messages ↓</button>}
    </div>
  );
}
