// One conversation: header with the visitor's name, status and actions (Accept, Transfer,
// Close conversation), labels, the timeline, the typing indicator and the reply box.
import { useEffect, useState } from "preact/hooks";
import { useConsole, useInbox } from "../app/context.js";
import { visitorDisplayName } from "../lib/format.js";
import { useTimeline } from "./use-timeline.js";
import { MessageTimeline } from "./message-timeline.jsx";
import { Composer } from "./composer.jsx";
import { TransferMenu } from "./transfer-menu.jsx";
import { LabelEditor } from "./label-editor.jsx";

const STATUS_TEXT = { waiting: "Waiting", active: "Open", closed: "Closed", bot: "With the bot" };

function explain(e, action) {
  if (e.status === 409 && action === "accept") return "Another agent has already accepted this conversation.";
  if (e.status === 409 && action === "transfer") return "That colleague is at capacity.";
  if (e.status === 409) return "This conversation has changed meanwhile; it may be closed.";
  if (e.status === 429) return "Too many changes at once; try again in a moment.";
  return e.message;
}

export function ConversationView({ id, onAccepted }) {
  const { api, store, me } = useConsole();
  const conv = useInbox((s) => s.conversations[id]);
  const readSeq = useInbox((s) => s.visitorRead[id] ?? 0);
  const typing = useInbox((s) => s.typing[id]);
  const [busy, setBusy] = useState("");
  const [notice, setNotice] = useState({ text: "", error: false });
  const [missing, setMissing] = useState("");

  useEffect(() => {
    setNotice({ text: "", error: false });
    setMissing("");
    let live = true;
    if (!store.getState().conversations[id])
      api.get(`/conversations/${id}`).then(
        (c) => store.dispatch({ type: "loaded", items: [c] }),
        (e) => live && setMissing(e.status === 404 ? "This conversation does not exist, or is not visible yet." : e.message),
      );
    return () => (live = false);
  }, [id]);

  const mine = conv?.status === "active" && conv.agent?.id === me.id;
  const { timeline, loadError, loadingOlder, loadOlder, send, retry } = useTimeline(id, { markRead: mine });

  async function act(action, request, done) {
    setBusy(action);
    setNotice({ text: "", error: false });
    try {
      const c = await request();
      store.dispatch({ type: "patched", conversation: c });
      if (done) setNotice({ text: done, error: false });
      return true;
    } catch (e) {
      setNotice({ text: explain(e, action), error: true });
      return false;
    } finally {
      setBusy("");
    }
  }

  if (missing) return <section class="conversation empty-state"><p role="alert">{missing}</p></section>;
  if (!conv) return <section class="conversation empty-state"><p role="status">Loading conversation…</p></section>;

  const name = visitorDisplayName(conv.visitor);
  const closed = conv.status === "closed";
  return (
    <section class="conversation" aria-labelledby="conversation-title">
      <header class="conversation-header">
        <div class="conversation-heading">
          <h2 id="conversation-title">{name}</h2>
          <p class="conversation-sub">
            <span class={`status-pill ${conv.status}`}>{STATUS_TEXT[conv.status] ?? conv.status}</span>
            {conv.agent && <span>{conv.agent.id === me.id ? "Assigned to you" : `with ${conv.agent.name}`}</span>}
          </p>
        </div>
        <div class="conversation-actions">
          {(conv.status === "waiting" || conv.status === "bot") && (
            <button type="button" class="button primary small" disabled={!!busy}
              onClick={() => act("accept", () => api.post(`/conversations/${id}/accept`)).then((ok) => ok && onAccepted())}>Accept</button>
          )}
          {!closed && (
            <TransferMenu me={me} currentAgentId={conv.agent?.id} disabled={!!busy}
              onTransfer={(m) => act("transfer", () => api.post(`/conversations/${id}/transfer`, { to_user_id: m.id }), `Transferred to ${m.name}.`)} />
          )}
          {!closed && (
            <button type="button" class="button small danger" disabled={!!busy}
              onClick={() => act("close", () => api.post(`/conversations/${id}/close`))}>Close conversation</button>
          )}
        </div>
      </header>
      <LabelEditor labels={conv.labels ?? []} disabled={busy === "labels"}
        onChange={(labels) => act("labels", () => api.put(`/conversations/${id}/labels`, { labels }))} />
      <p class={`action-notice${notice.error ? " error" : ""}`} role={notice.error ? "alert" : "status"}>{notice.text}</p>
      {loadError && <p class="form-error" role="alert">{loadError}</p>}
      <MessageTimeline timeline={timeline} visitor={conv.visitor} readSeq={readSeq} loadingOlder={loadingOlder} onLoadOlder={loadOlder} onRetry={retry} />
      <p class="typing-indicator" role="status">{typing ? `${typing.kind === "visitor" ? name : typing.name} is typing…` : ""}</p>
      {closed ? (
        <p class="closed-note">This conversation is closed. If the visitor writes again soon, it reopens in Waiting.</p>
      ) : (
        <Composer conversationId={id} visitorName={name}
          onSend={({ text, attachments, isPrivate }) => send({ text, attachments, isPrivate, sender: { kind: "agent", id: me.id, name: me.name } })} />
      )}
    </section>
  );
}
