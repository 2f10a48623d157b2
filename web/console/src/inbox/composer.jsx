// The reply box: textbox "Reply", checkbox "Private note", attachments (button, paste or drop;
// uploaded at once with progress), canned replies ("/" opens them; arrows, Enter or Tab pick,
// Escape closes) and typing indicators for the visitor (never for private notes).
// Enter sends, Shift+Enter starts a new line.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { useConsole } from "../app/context.js";
import { useCanned } from "../app/use-canned.js";
import { uploadFile } from "../lib/api.js";
import { insertCanned, matchCanned, slashQueryAt } from "../lib/canned.js";
import { formatBytes } from "../lib/format.js";

const TYPING_REFRESH_MS = 3_000;
const TYPING_IDLE_MS = 4_000;
const MAX_TEXT = 4000;

function useTypingSignal(conversationId, active) {
  const { socket } = useConsole();
  const state = useRef({ on: false, sentAt: 0, idle: 0 });
  const stop = () => {
    const s = state.current;
    clearTimeout(s.idle);
    if (s.on) socket.send({ type: "typing", conversation_id: conversationId, on: false });
    s.on = false;
  };
  const ping = () => {
    const s = state.current;
    if (!active) return stop();
    const now = Date.now();
    if (!s.on || now - s.sentAt > TYPING_REFRESH_MS) {
      socket.send({ type: "typing", conversation_id: conversationId, on: true });
      s.on = true;
      s.sentAt = now;
    }
    clearTimeout(s.idle);
    s.idle = setTimeout(stop, TYPING_IDLE_MS);
  };
  useEffect(() => stop, [conversationId]);
  return { ping, stop };
}

function CannedMenu({ items, active, onPick, listId }) {
  return (
    <ul class="canned-menu" role="listbox" id={listId} aria-label="Canned replies">
      {items.map((c, i) => (
        <li key={c.id} id={`${listId}-${c.id}`} role="option" aria-selected={i === active ? "true" : "false"}
          class={i === active ? "active" : ""} onMouseDown={(e) => { e.preventDefault(); onPick(c); }}>
          <strong>/{c.shortcut}</strong> <span>{c.text}</span>
        </li>
      ))}
    </ul>
  );
}

export function Composer({ conversationId, visitorName, onSend }) {
  const { token } = useConsole();
  const canned = useCanned();
  const [text, setText] = useState("");
  const [isPrivate, setPrivate] = useState(false);
  const [uploads, setUploads] = useState([]);  // {key, name, size, progress, file?: result, error?}
  const [slash, setSlash] = useState(null);
  const [active, setActive] = useState(0);
  const box = useRef(null);
  const fileInput = useRef(null);
  const typing = useTypingSignal(conversationId, !isPrivate);
  const listId = `canned-${conversationId}`;

  const matches = useMemo(() => (slash ? matchCanned(canned, slash.query) : []), [slash, canned]);
  const menuOpen = matches.length > 0;

  useEffect(() => {
    setText("");
    setUploads([]);
    setSlash(null);
    box.current?.focus();
  }, [conversationId]);

  const updateSlash = (value, caret) => {
    const s = slashQueryAt(value, caret);
    setSlash(s);
    setActive(0);
  };

  const onInput = (e) => {
    const el = e.currentTarget;
    setText(el.value);
    updateSlash(el.value, el.selectionStart);
    if (el.value.trim()) typing.ping();
    else typing.stop();
  };

  const pick = (c) => {
    const next = insertCanned(text, slash, c.text);
    setText(next.text);
    setSlash(null);
    requestAnimationFrame(() => {
      const el = box.current;
      if (!el) return;
      el.focus();
      el.setSelectionRange(next.caret, next.caret);
    });
  };

  const addFiles = (files) => {
    for (const f of files) {
      const key = `${f.name}-${f.size}-${Math.random()}`;
      setUploads((u) => [...u, { key, name: f.name, size: f.size, progress: 0 }]);
      const update = (patch) => setUploads((u) => u.map((x) => (x.key === key ? { ...x, ...patch } : x)));
      uploadFile(f, { token, onProgress: (p) => update({ progress: p }) }).then(
        (file) => update({ file, progress: 1 }),
        (err) => update({ error: err.message }),
      );
    }
  };

  const ready = uploads.filter((u) => u.file).map((u) => u.file);
  const uploading = uploads.some((u) => !u.file && !u.error);
  const tooLong = text.length > MAX_TEXT;
  const canSend = (text.trim() || ready.length) && !uploading && !tooLong;

  const send = () => {
    if (!canSend) return;
    onSend({ text: text.trim(), attachments: ready, isPrivate });
    typing.stop();
    setText("");
    setUploads([]);
    setSlash(null);
    box.current?.focus();
  };

  const onKeyDown = (e) => {
    if (menuOpen) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        setActive((a) => (a + (e.key === "ArrowDown" ? 1 : matches.length - 1)) % matches.length);
        return;
      }
      if (e.key === "Enter" || e.key === "Tab") {
        e.preventDefault();
        pick(matches[active]);
        return;
      }
      if (e.key === "Escape") {
        e.preventDefault();
        setSlash(null);
        return;
      }
    }
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      send();
    }
  };

  return (
    <form class={`composer${isPrivate ? " private" : ""}`} onSubmit={(e) => { e.preventDefault(); send(); }}
      onDragOver={(e) => e.preventDefault()} onDrop={(e) => { e.preventDefault(); addFiles([...e.dataTransfer.files]); }}>
      {menuOpen && <CannedMenu items={matches} active={active} onPick={pick} listId={listId} />}
      <label class="visually-hidden" for={`reply-${conversationId}`}>Reply</label>
      <textarea id={`reply-${conversationId}`} ref={box} rows={3} value={text} onInput={onInput} onKeyDown={onKeyDown}
        onClick={(e) => updateSlash(e.currentTarget.value, e.currentTarget.selectionStart)}
        onPaste={(e) => { const files = [...(e.clipboardData?.files ?? [])]; if (files.length) { e.preventDefault(); addFiles(files); } }}
        onBlur={() => setSlash(null)}
        placeholder={isPrivate ? "Write a private note: only staff see it" : `Reply to ${visitorName}… (type / for canned replies)`}
        aria-describedby={`composer-hint-${conversationId}`} aria-invalid={tooLong ? "true" : undefined}
        aria-controls={menuOpen ? listId : undefined}
        aria-activedescendant={menuOpen ? `${listId}-${matches[active].id}` : undefined} />
      <p class="visually-hidden" id={`composer-hint-${conversationId}`}>Enter sends, Shift+Enter adds a line. Type a slash for canned replies.</p>
      {uploads.length > 0 && (
        <ul class="upload-list" aria-label="Attachments to send">
          {uploads.map((u) => (
            <li key={u.key} class={u.error ? "failed" : ""}>
              <span class="upload-name">{u.name}</span> <small>{formatBytes(u.size)}</small>
              {!u.file && !u.error && <progress max="1" value={u.progress} aria-label={`Uploading ${u.name}`} />}
              {u.error && <span class="form-error" role="alert">{u.error}</span>}
              <button type="button" class="icon-button" aria-label={`Remove ${u.name}`} onClick={() => setUploads((x) => x.filter((y) => y.key !== u.key))}>×</button>
            </li>
          ))}
        </ul>
      )}
      <div class="composer-bar">
        <label class="check">
          <input type="checkbox" checked={isPrivate} onChange={(e) => { setPrivate(e.currentTarget.checked); typing.stop(); }} />
          <span>Private note</span>
        </label>
        <button type="button" class="button ghost small" onClick={() => fileInput.current.click()}>Attach a file</button>
        <input ref={fileInput} type="file" multiple hidden tabIndex={-1} aria-hidden="true"
          onChange={(e) => { addFiles([...e.currentTarget.files]); e.currentTarget.value = ""; }} />
        {tooLong && <span class="form-error" role="alert">{text.length - MAX_TEXT} characters over the 4,000 limit</span>}
        <button type="submit" class="button primary" disabled={!canSend}>Send</button>
      </div>
    </form>
  );
}
