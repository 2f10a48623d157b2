// Canned replies: what "/shortcut" in the reply box expands to. Any staff member may edit them.
import { useEffect, useState } from "preact/hooks";
import { useConsole } from "../app/context.js";
import { refreshCanned } from "../app/use-canned.js";
import { isValidShortcut } from "../lib/canned.js";

function CannedForm({ initial, submitLabel, onSubmit, onCancel }) {
  const [shortcut, setShortcut] = useState(initial?.shortcut ?? "");
  const [text, setText] = useState(initial?.text ?? "");
  const [error, setError] = useState("");
  const idBase = initial ? `canned-${initial.id}` : "canned-new";
  const submit = async (e) => {
    e.preventDefault();
    if (!isValidShortcut(shortcut)) return setError("Shortcuts are 1 to 32 lowercase letters, digits, - or _.");
    if (!text.trim() || text.length > 4000) return setError("The text needs 1 to 4,000 characters.");
    setError("");
    try {
      await onSubmit({ shortcut, text });
      if (!initial) {
        setShortcut("");
        setText("");
      }
    } catch (err) {
      setError(err.status === 409 ? `/${shortcut} already exists.` : err.message);
    }
  };
  return (
    <form class="canned-form" onSubmit={submit}>
      <div class="field narrow-field">
        <label for={`${idBase}-shortcut`}>Shortcut</label>
        <div class="prefixed"><span aria-hidden="true">/</span><input id={`${idBase}-shortcut`} value={shortcut} maxLength={32} onInput={(e) => setShortcut(e.currentTarget.value.toLowerCase())} /></div>
      </div>
      <div class="field grow">
        <label for={`${idBase}-text`}>Text</label>
        <textarea id={`${idBase}-text`} rows={2} value={text} onInput={(e) => setText(e.currentTarget.value)} />
      </div>
      <div class="form-actions">
        <button type="submit" class="button primary small">{submitLabel}</button>
        {onCancel && <button type="button" class="button ghost small" onClick={onCancel}>Cancel</button>}
      </div>
      {error && <p class="form-error" role="alert">{error}</p>}
    </form>
  );
}

export function CannedSettings() {
  const { api } = useConsole();
  const [items, setItems] = useState(null);
  const [editing, setEditing] = useState(null);
  const [error, setError] = useState("");

  useEffect(() => {
    api.get("/canned").then((r) => setItems(r.items), (e) => setError(e.message));
  }, [api]);

  const changed = (next) => {
    setItems(next.sort((a, b) => a.shortcut.localeCompare(b.shortcut)));
    refreshCanned(api);
  };
  const create = async (body) => changed([...items, await api.post("/canned", body)]);
  const update = async (c, body) => {
    const next = await api.patch(`/canned/${c.id}`, body);
    setEditing(null);
    changed(items.map((x) => (x.id === c.id ? { ...x, ...next } : x)));
  };
  const remove = async (c) => {
    if (!window.confirm(`Delete /${c.shortcut}?`)) return;
    try {
      await api.del(`/canned/${c.id}`);
      changed(items.filter((x) => x.id !== c.id));
    } catch (e) {
      setError(e.message);
    }
  };

  return (
    <div class="settings-section">
      <section class="panel" aria-labelledby="canned-title">
        <h2 id="canned-title" class="panel-heading">Canned replies</h2>
        <p class="hint">Type / in the reply box, then the shortcut, to insert one.</p>
        {error && <p class="form-error" role="alert">{error}</p>}
        {items === null ? <p class="empty">Loading…</p> : items.length === 0 ? <p class="empty">No canned replies yet.</p> : (
          <ul class="canned-list">
            {items.map((c) => (
              <li key={c.id}>
                {editing === c.id ? (
                  <CannedForm initial={c} submitLabel="Save" onSubmit={(body) => update(c, body)} onCancel={() => setEditing(null)} />
                ) : (
                  <>
                    <code>/{c.shortcut}</code>
                    <p>{c.text}</p>
                    <div class="row-actions">
                      <button type="button" class="button ghost small" aria-label={`Edit /${c.shortcut}`} onClick={() => setEditing(c.id)}>Edit</button>
                      <button type="button" class="button ghost small danger" aria-label={`Delete /${c.shortcut}`} onClick={() => remove(c)}>Delete</button>
                    </div>
                  </>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section class="panel" aria-labelledby="canned-new-title">
        <h2 id="canned-new-title" class="panel-heading">New canned reply</h2>
        {items !== null && <CannedForm submitLabel="Add canned reply" onSubmit={create} />}
      </section>
    </div>
  );
}
