// Labels: the server keeps labels on conversations only (no workspace list), so this page shows
// the labels found on the workspace's conversations, and renames or removes one everywhere by
// rewriting the labels of each conversation that carries it (GET ?label=, PUT .../labels).
import { useEffect, useState } from "preact/hooks";
import { useConsole } from "../app/context.js";
import { forEachPage } from "../lib/api.js";

const SCAN_PAGES = 10;  // per status, 200 conversations a page

async function scanLabels(api, store) {
  const counts = new Map();
  let truncated = false;
  for (const status of ["waiting", "active", "closed"]) {
    let pages = 0;
    await forEachPage(api, "/conversations", { status, limit: 200 }, (items) => {
      pages++;
      store.dispatch({ type: "loaded", items });
      for (const c of items) for (const l of c.labels ?? []) counts.set(l, (counts.get(l) ?? 0) + 1);
    }, { maxPages: SCAN_PAGES });
    if (pages >= SCAN_PAGES) truncated = true;
  }
  return { rows: [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])), truncated };
}

async function rewriteLabel(api, store, from, to, onProgress) {
  const targets = [];
  await forEachPage(api, "/conversations", { label: from, limit: 200 }, (items) => targets.push(...items), { maxPages: 500 });
  let done = 0;
  for (const c of targets) {
    const labels = [...new Set((c.labels ?? []).map((l) => (l === from ? to : l)).filter(Boolean))];
    const next = await api.put(`/conversations/${c.id}/labels`, { labels });
    store.dispatch({ type: "patched", conversation: next });
    onProgress(++done, targets.length);
  }
  return targets.length;
}

export function LabelSettings() {
  const { api, store } = useConsole();
  const [scan, setScan] = useState(null);
  const [renaming, setRenaming] = useState(null);
  const [newName, setNewName] = useState("");
  const [status, setStatus] = useState({ text: "", error: false });
  const [busy, setBusy] = useState(false);

  const rescan = () => scanLabels(api, store).then(setScan, (e) => setStatus({ text: e.message, error: true }));
  useEffect(() => {
    rescan();
  }, [api]);

  const run = async (from, to) => {
    setBusy(true);
    try {
      const n = await rewriteLabel(api, store, from, to, (d, t) => setStatus({ text: `Updating ${d} of ${t} conversations…`, error: false }));
      setStatus({ text: to ? `"${from}" is now "${to}" on ${n} conversations.` : `"${from}" was removed from ${n} conversations.`, error: false });
      setRenaming(null);
      await rescan();
    } catch (e) {
      setStatus({ text: e.message, error: true });
    } finally {
      setBusy(false);
    }
  };

  const rename = (e, from) => {
    e.preventDefault();
    const to = newName.trim();
    if (!to || to.length > 50) return setStatus({ text: "A label has 1 to 50 characters.", error: true });
    run(from, to);
  };

  return (
    <section class="panel settings-section" aria-labelledby="labels-title">
      <h2 id="labels-title" class="panel-heading">Labels</h2>
      <p class="hint">Add labels from a conversation's header; filter the inbox by label. Here you can rename or remove a label on every conversation at once.</p>
      <p class={`save-status${status.error ? " error" : ""}`} role={status.error ? "alert" : "status"}>{status.text}</p>
      {scan === null ? <p class="empty">Looking through conversations…</p> : scan.rows.length === 0 ? <p class="empty">No conversation has a label yet.</p> : (
        <table class="data-table">
          <caption class="visually-hidden">Labels in use</caption>
          <thead><tr><th scope="col">Label</th><th scope="col" class="num">Conversations</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
          <tbody>
            {scan.rows.map(([label, count]) => (
              <tr key={label}>
                <th scope="row"><span class="chip label">{label}</span></th>
                <td class="num">{count}{scan.truncated ? "+" : ""}</td>
                <td>
                  {renaming === label ? (
                    <form class="inline-form" onSubmit={(e) => rename(e, label)}>
                      <label class="visually-hidden" for={`rename-${label}`}>New name for {label}</label>
                      <input id={`rename-${label}`} value={newName} maxLength={50} onInput={(e) => setNewName(e.currentTarget.value)} />
                      <button type="submit" class="button primary small" disabled={busy}>Rename</button>
                      <button type="button" class="button ghost small" onClick={() => setRenaming(null)}>Cancel</button>
                    </form>
                  ) : (
                    <div class="row-actions">
                      <button type="button" class="button ghost small" disabled={busy} aria-label={`Rename ${label}`} onClick={() => { setRenaming(label); setNewName(label); }}>Rename</button>
                      <button type="button" class="button ghost small danger" disabled={busy} aria-label={`Remove ${label} from every conversation`}
                        onClick={() => window.confirm(`Remove "${label}" from ${count} conversations?`) && run(label, "")}>Remove</button>
                    </div>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
