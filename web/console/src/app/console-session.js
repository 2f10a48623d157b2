// One signed-in console: the API client, the agent socket, the inbox store and the frame fan-out,
// wired together. It loads the lists, folds every frame into the store, keeps the socket
// subscribed to the conversations the inbox shows live, raises alerts and keeps the tab title.
import { createApi, forEachPage } from "../lib/api.js";
import { AgentSocket } from "../lib/agent-socket.js";
import { createStore } from "../lib/store.js";
import { initialInbox, reduceInbox, conversationsToWatch, attentionCount } from "../lib/inbox-state.js";
import { Notifier, documentTitle, messageNeedsAlert, newlyWaiting } from "../lib/notify.js";
import { visitorDisplayName } from "../lib/format.js";
import { createEmitter } from "./context.js";
import { navigate, BASE } from "./router.js";

const FIRST_PAGE = 50;
const PAGE = 200;
// No frame tells staff that a bot started a conversation (it is not in the queue), so the list
// of what bots have is asked for again this often; once known, each is followed live.
const BOT_POLL_MS = 20_000;

export function createConsoleSession({ session, onSignedOut }) {
  let ended = false;
  const end = (message) => {
    if (ended) return;
    ended = true;
    onSignedOut(message);
  };
  const api = createApi({ getToken: () => session.token, onUnauthorized: end });
  const store = createStore(reduceInbox, reduceInbox(initialInbox(), { type: "me", user: session.user }));
  const frames = createEmitter();
  const notifier = new Notifier();
  const connection = createEmitter();  // "connecting" | "live" | "offline"
  let connectionState = "connecting";
  let focusedId = null;
  let section = "Inbox";
  const fetching = new Set();

  const socket = new AgentSocket({
    url: `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/agent`,
    token: session.token,
    onFrame,
    onState: (s) => {
      connectionState = s;
      connection.emit(s);
    },
    onUnauthorized: () => end("Your session has ended. Please sign in again."),
  });

  function onFrame(frame) {
    const before = store.getState();
    alertFor(before, frame);
    store.dispatch({ type: "frame", frame });
    frames.emit(frame);
    if (frame.type === "assigned") fetchSummary(frame.conversation.id);
  }

  function alertFor(state, frame) {
    const pageVisible = document.visibilityState === "visible";
    if (frame.type === "queue") {
      for (const w of newlyWaiting(state.queue.waiting, frame.waiting ?? [])) {
        const known = state.conversations[w.conversation_id]?.visitor;
        notifier.alert({
          title: "A visitor is waiting",
          body: `${visitorDisplayName(known?.name && known.name !== "Visitor" ? known : w.visitor)}: ${w.last_text ?? ""}`,
          tag: w.conversation_id,
          onClick: () => navigate(`${BASE}/inbox/${w.conversation_id}`),
        });
      }
    } else if (frame.type === "assigned") {
      notifier.alert({ title: "A conversation was assigned to you", body: visitorDisplayName(frame.conversation.visitor), tag: frame.conversation.id,
        onClick: () => navigate(`${BASE}/inbox/${frame.conversation.id}`) });
    } else if (messageNeedsAlert(state, frame, { focusedId, pageVisible })) {
      const conv = state.conversations[frame.conversation_id];
      notifier.alert({ title: visitorDisplayName(conv.visitor), body: frame.text || "Sent an attachment", tag: frame.conversation_id,
        onClick: () => navigate(`${BASE}/inbox/${frame.conversation_id}`) });
    }
  }

  async function fetchSummary(id) {
    if (fetching.has(id)) return;
    fetching.add(id);
    try {
      const c = await api.get(`/conversations/${id}`);
      store.dispatch({ type: "loaded", items: [c] });
    } catch {
      // not visible yet (404 until the read model has it) or gone: the next frame retries
    } finally {
      fetching.delete(id);
    }
  }

  // Keep the socket subscribed to what the inbox shows live (and summaries of queue entries).
  let syncTimer = null;
  let botTimer = null;
  function syncSubscriptions() {
    syncTimer = null;
    const state = store.getState();
    const watch = conversationsToWatch(state);
    for (const id of watch) {
      const conv = state.conversations[id];
      if (conv) {
        if (!socket.isSubscribed(id)) socket.subscribe(id, conv.last_seq ?? 0);
      } else if (state.loaded.waiting) fetchSummary(id);  // not in the first waiting page: fetch it alone
    }
    for (const id of [...socket.subscriptions.keys()])
      if (!watch.has(id) && id !== focusedId) socket.unsubscribe(id);
  }

  function updateTitle() {
    document.title = documentTitle(attentionCount(store.getState()), section);
  }

  const unsubscribeStore = store.subscribe(() => {
    updateTitle();
    if (!syncTimer) syncTimer = setTimeout(syncSubscriptions, 200);
  });

  async function refreshBots() {
    try {
      const page = await api.get("/conversations", { status: "bot", limit: PAGE });
      store.dispatch({ type: "loaded", items: page.items });
      if (page.next_cursor) return;
      // One listed as the bot's that the answer lacks has moved on (handed off or closed): look it up.
      const listed = new Set(page.items.map((c) => c.id));
      for (const c of Object.values(store.getState().conversations))
        if (c.status === "bot" && !listed.has(c.id)) fetchSummary(c.id);
    } catch {
      // the next poll tries again
    }
  }

  async function loadLists() {
    const waiting = api.get("/conversations", { status: "waiting", limit: PAGE })
      .then((p) => store.dispatch({ type: "loaded", items: p.items, list: "waiting" }));
    // A small first page paints the list sooner; the rest follows in big pages.
    const open = api.get("/conversations", { status: "active", limit: FIRST_PAGE }).then((first) => {
      store.dispatch({ type: "loaded", items: first.items, list: "active" });
      if (first.next_cursor)
        return forEachPage(api, "/conversations", { status: "active", limit: PAGE, cursor: first.next_cursor }, (items) =>
          store.dispatch({ type: "loaded", items }));
    });
    await Promise.allSettled([waiting, open, refreshBots()]);
  }

  return {
    api,
    store,
    frames,
    socket,
    notifier,
    connection,
    get connectionState() {
      return connectionState;
    },
    token: session.token,
    me: session.user,
    start() {
      socket.start();
      loadLists();
      updateTitle();
      botTimer = setInterval(refreshBots, BOT_POLL_MS);
    },
    stop() {
      unsubscribeStore();
      if (syncTimer) clearTimeout(syncTimer);
      clearInterval(botTimer);
      socket.stop();
    },
    setFocused(id) {
      focusedId = id;
    },
    setSection(name) {
      section = name;
      updateTitle();
    },
    logout() {
      socket.stop();
      const request = api.post("/auth/logout").catch(() => {});  // a dead token is fine: we leave anyway
      end("");
      return request;
    },
  };
}
