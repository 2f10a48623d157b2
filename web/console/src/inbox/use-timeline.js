// One open conversation's timeline: the last page of history over HTTP, then a subscription
// from the last seq loaded (so nothing falls between the two), older pages on demand, sending
// with pending/ack/failed states, and read markers while the agent is looking at it.
import { useCallback, useEffect, useReducer, useRef, useState } from "preact/hooks";
import { useConsole, useFrames } from "../app/context.js";
import { initialTimeline, reduceTimeline, lastSeq, oldestSeq } from "../lib/timeline-state.js";

const PAGE = 50;
const SLOW_ACK_MS = 15_000;

function newClientMsgId() {
  return globalThis.crypto?.randomUUID?.() ?? `c${Date.now().toString(36)}${Math.random().toString(36).slice(2)}`;
}

export function useTimeline(conversationId, { markRead }) {
  const { api, socket, setFocused } = useConsole();
  const [timeline, dispatch] = useReducer(reduceTimeline, conversationId, initialTimeline);
  const [loadError, setLoadError] = useState("");
  const [loadingOlder, setLoadingOlder] = useState(false);
  const ref = useRef(timeline);
  ref.current = timeline;
  const lastRead = useRef(0);

  useEffect(() => {
    let live = true;
    setFocused(conversationId);
    api.get(`/conversations/${conversationId}/messages`, { limit: PAGE }).then(
      (page) => {
        if (!live) return;
        dispatch({ type: "page", items: page.items, next_cursor: page.next_cursor });
        const seq = page.items.length ? page.items[page.items.length - 1].seq : 0;
        socket.subscribe(conversationId, seq);
      },
      (e) => live && setLoadError(e.status === 404 ? "This conversation does not exist or is not visible yet." : e.message),
    );
    return () => {
      live = false;
      setFocused(null);
    };
  }, [conversationId]);

  useFrames((f) => {
    if (f.conversation_id === conversationId) dispatch({ type: "frame", frame: f });
    else if (f.type === "error" && f.ref && ref.current.pending.some((p) => p.client_msg_id === f.ref))
      dispatch({ type: "failed", client_msg_id: f.ref, error: f.message || f.code });
  });

  const loadOlder = useCallback(async () => {
    const before = oldestSeq(ref.current);
    if (loadingOlder || !ref.current.hasOlder || before === null) return;
    setLoadingOlder(true);
    try {
      const page = await api.get(`/conversations/${conversationId}/messages`, { before_seq: before, limit: PAGE });
      dispatch({ type: "page", items: page.items, next_cursor: page.next_cursor, older: true });
    } catch (e) {
      setLoadError(e.message);
    } finally {
      setLoadingOlder(false);
    }
  }, [api, conversationId, loadingOlder]);

  const send = useCallback(({ text, attachments = [], isPrivate = false, sender }) => {
    const client_msg_id = newClientMsgId();
    dispatch({ type: "send", pending: { client_msg_id, text, attachments, private: isPrivate, ts: Date.now(), sender } });
    const frame = { conversation_id: conversationId, client_msg_id, text, attachments: attachments.map((a) => ({ id: a.id })) };
    if (isPrivate) frame.private = true;
    socket.sendMessage(frame);
    // While disconnected the socket resends it after the reconnect: only a live socket that
    // stays silent makes it "not sent".
    const check = () => {
      const p = ref.current.pending.find((x) => x.client_msg_id === client_msg_id);
      if (p?.state !== "sending") return;
      if (!socket.live) setTimeout(check, SLOW_ACK_MS);
      else dispatch({ type: "failed", client_msg_id, error: "No answer from the server yet." });
    };
    setTimeout(check, SLOW_ACK_MS);
  }, [conversationId, socket]);

  const retry = useCallback((client_msg_id) => {
    const frame = socket.unacked.get(client_msg_id);
    if (!frame) return;
    dispatch({ type: "retry", client_msg_id });
    socket.sendMessage(frame);
  }, [socket]);

  // Read markers: what is on screen counts as read while the page is visible.
  const seq = lastSeq(timeline);
  useEffect(() => {
    const report = () => {
      if (!markRead || seq <= lastRead.current || document.visibilityState !== "visible") return;
      if (socket.send({ type: "read", conversation_id: conversationId, seq })) lastRead.current = seq;
    };
    report();
    document.addEventListener("visibilitychange", report);
    return () => document.removeEventListener("visibilitychange", report);
  }, [seq, markRead, conversationId, socket]);

  return { timeline, loadError, loadingOlder, loadOlder, send, retry };
}
