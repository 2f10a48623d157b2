// The inbox: the conversation list, the open conversation and the visitor's side panel. The
// tab is remembered per browser; accepting a visitor moves to Mine, where the chat now is.
import { useCallback, useState } from "preact/hooks";
import { useInbox } from "../app/context.js";
import { loadPreference, savePreference } from "../lib/session.js";
import { ConversationList } from "./conversation-list.jsx";
import { ConversationView } from "./conversation-view.jsx";
import { VisitorPanel } from "./visitor-panel.jsx";

export function InboxPage({ conversationId }) {
  const visitorId = useInbox((s) => s.conversations[conversationId]?.visitor?.id);
  const [tab, setTab] = useState(() => loadPreference("tab", "waiting"));
  const selectTab = useCallback((t) => {
    setTab(t);
    savePreference("tab", t);
  }, []);
  return (
    <div class={`inbox${conversationId ? " has-selection" : ""}`}>
      <h1 class="visually-hidden">Inbox</h1>
      <ConversationList selectedId={conversationId} tab={tab} onTab={selectTab} />
      {conversationId ? (
        <ConversationView key={conversationId} id={conversationId} onAccepted={() => selectTab("mine")} />
      ) : (
        <section class="conversation empty-state" aria-label="No conversation selected">
          <p>Pick a conversation on the left, or accept a waiting visitor.</p>
        </section>
      )}
      {conversationId && visitorId && <VisitorPanel visitorId={visitorId} conversationId={conversationId} />}
    </div>
  );
}
