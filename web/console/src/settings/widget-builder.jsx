// The widget builder: pick or create a widget, edit it with a live preview, choose its bot flow,
// copy its embed snippet, save with PATCH /widgets/{site_key} (only the fields that changed).
import { useEffect, useMemo, useState } from "preact/hooks";
import { useConsole } from "../app/context.js";
import { draftFromWidget, embedSnippet, patchBody, validateDraft } from "../lib/widget-draft.js";
import { WidgetPreview } from "./widget-preview.jsx";
import { PrechatFields, BusinessHours } from "./widget-form-parts.jsx";

export function TextField({ label, value, onInput, error, multiline, hint, ...rest }) {
  const id = `f-${label.replace(/\W+/g, "-").toLowerCase()}`;
  const Tag = multiline ? "textarea" : "input";
  const described = [error && `${id}-error`, hint && `${id}-hint`].filter(Boolean).join(" ") || undefined;
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <Tag id={id} value={value} onInput={(e) => onInput(e.currentTarget.value)} aria-invalid={error ? "true" : undefined} aria-describedby={described} {...rest} />
      {hint && <small id={`${id}-hint`} class="hint">{hint}</small>}
      {error && <small id={`${id}-error`} class="form-error">{error}</small>}
    </div>
  );
}

function ColorField({ label, value, onInput, error }) {
  const id = `f-${label.replace(/\W+/g, "-").toLowerCase()}`;
  return (
    <div class="field color-field">
      <span class="field-label" id={`${id}-label`}>{label}</span>
      <div class="color-inputs">
        <input type="color" aria-labelledby={`${id}-label`} value={/^#[0-9a-f]{6}$/i.test(value) ? value : "#000000"} onInput={(e) => onInput(e.currentTarget.value)} />
        <input type="text" aria-label={`${label} (hex)`} value={value} onInput={(e) => onInput(e.currentTarget.value)} aria-invalid={error ? "true" : undefined} maxLength={7} />
      </div>
      {error && <small class="form-error">{error}</small>}
    </div>
  );
}

// None, or one of the workspace's flows (a flow deleted since stays listed while the widget names it).
function BotFlowField({ value, flows, onInput }) {
  const known = !value || !flows || flows.some((f) => f.id === value);
  return (
    <div class="field">
      <label for="f-bot-flow">Bot flow</label>
      <select id="f-bot-flow" value={value} onChange={(e) => onInput(e.currentTarget.value)} aria-describedby="f-bot-flow-hint">
        <option value="">None</option>
        {(flows ?? []).map((f) => <option key={f.id} value={f.id}>{f.name}</option>)}
        {!known && <option value={value}>A deleted flow</option>}
      </select>
      <small id="f-bot-flow-hint" class="hint">
        {flows === null ? "Loading flows…" : "A bot answers new conversations first and hands them to a person when the flow says so. Flows are made under Bots."}
      </small>
    </div>
  );
}

function EmbedSnippet({ siteKey }) {
  const snippet = embedSnippet(location.origin, siteKey);
  const [copied, setCopied] = useState("");
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(snippet);
      setCopied("Copied to the clipboard.");
    } catch {
      setCopied("Select the snippet and copy it (Ctrl+C).");
    }
  };
  return (
    <section class="panel" aria-labelledby="embed-title">
      <h2 id="embed-title" class="panel-heading">Embed on your site</h2>
      <p>Paste this line before <code>&lt;/body&gt;</code> on every page that should show the chat:</p>
      <pre class="snippet"><code>{snippet}</code></pre>
      <button type="button" class="button small" onClick={copy}>Copy snippet</button>
      <span class="copy-status" role="status">{copied}</span>
    </section>
  );
}

export function WidgetBuilder() {
  const { api } = useConsole();
  const [widgets, setWidgets] = useState(null);
  const [selected, setSelected] = useState(null);
  const [draft, setDraft] = useState(null);
  const [status, setStatus] = useState({ text: "", error: false });
  const [saving, setSaving] = useState(false);
  const [previewOffline, setPreviewOffline] = useState(false);
  const [flows, setFlows] = useState(null);

  useEffect(() => {
    api.get("/widgets").then((r) => {
      setWidgets(r.items);
      if (r.items.length) select(r.items[0]);
    }, (e) => setStatus({ text: e.message, error: true }));
    api.get("/flows").then((r) => setFlows(r.items), () => setFlows([]));
  }, [api]);

  const select = (w) => {
    setSelected(w);
    setDraft(draftFromWidget(w));
    setStatus({ text: "", error: false });
  };

  const errors = useMemo(() => (draft ? validateDraft(draft) : {}), [draft]);
  const changes = useMemo(() => (draft && selected ? patchBody(selected, draft) : {}), [draft, selected]);
  const dirty = Object.keys(changes).length > 0;
  const set = (key) => (value) => setDraft((d) => ({ ...d, [key]: value }));

  const create = async () => {
    try {
      const w = await api.post("/widgets", { name: `Widget ${(widgets?.length ?? 0) + 1}` });
      setWidgets((list) => [...(list ?? []), w]);
      select(w);
    } catch (e) {
      setStatus({ text: e.message, error: true });
    }
  };

  const save = async (e) => {
    e.preventDefault();
    if (Object.keys(errors).length) return setStatus({ text: "Fix the highlighted fields first.", error: true });
    setSaving(true);
    try {
      const w = await api.patch(`/widgets/${selected.site_key}`, changes);
      setWidgets((list) => list.map((x) => (x.site_key === w.site_key ? w : x)));
      select(w);
      setStatus({ text: "Saved. Visitors see the change on their next page load.", error: false });
    } catch (err) {
      setStatus({ text: `Not saved: ${err.message}`, error: true });
    } finally {
      setSaving(false);
    }
  };

  if (widgets === null) return <p class="page-message" role="status">{status.text || "Loading widgets…"}</p>;
  if (!widgets.length)
    return (
      <section class="panel">
        <h2 class="panel-heading">Widgets</h2>
        <p>No widget yet. Create one to put the chat on your site.</p>
        <button type="button" class="button primary" onClick={create}>Create a widget</button>
      </section>
    );

  return (
    <div class="widget-builder">
      <div class="builder-toolbar">
        <label class="inline-field">
          <span>Widget</span>
          <select value={selected.site_key} onChange={(e) => select(widgets.find((w) => w.site_key === e.currentTarget.value))}>
            {widgets.map((w) => <option key={w.site_key} value={w.site_key}>{w.name || w.title}</option>)}
          </select>
        </label>
        <button type="button" class="button ghost small" onClick={create}>New widget</button>
      </div>
      <div class="builder-grid">
        <form class="panel builder-form" onSubmit={save} aria-label="Widget settings">
          <fieldset>
            <legend>Look</legend>
            <TextField label="Name" value={draft.name} onInput={set("name")} error={errors.name} hint="For you; visitors do not see it." />
            <TextField label="Title" value={draft.title} onInput={set("title")} error={errors.title} />
            <div class="row-fields">
              <ColorField label="Primary colour" value={draft.primary} onInput={set("primary")} error={errors.primary} />
              <ColorField label="Secondary colour" value={draft.secondary} onInput={set("secondary")} error={errors.secondary} />
            </div>
            <fieldset class="radio-row">
              <legend>Side of the page</legend>
              {["left", "right"].map((s) => (
                <label key={s} class="check"><input type="radio" name="side" value={s} checked={draft.side === s} onChange={() => set("side")(s)} /> <span>{s === "left" ? "Left" : "Right"}</span></label>
              ))}
            </fieldset>
          </fieldset>
          <fieldset>
            <legend>Messages</legend>
            <TextField label="Welcome message" multiline rows={2} value={draft.welcome_message} onInput={set("welcome_message")} error={errors.welcome_message} />
            <TextField label="Offline message" multiline rows={2} value={draft.offline_message} onInput={set("offline_message")} error={errors.offline_message} hint="Shown outside business hours." />
          </fieldset>
          <fieldset>
            <legend>Bot</legend>
            <BotFlowField value={draft.bot_flow_id} flows={flows} onInput={set("bot_flow_id")} />
          </fieldset>
          <PrechatFields draft={draft} setDraft={setDraft} error={errors.prechat_fields} />
          <BusinessHours draft={draft} setDraft={setDraft} errors={errors} />
          <fieldset>
            <legend>Security</legend>
            <TextField label="Allowed origins" multiline rows={3} value={draft.allowed_origins} onInput={set("allowed_origins")} error={errors.allowed_origins}
              hint="One per line, like https://shop.example. * allows any site." />
          </fieldset>
          <div class="form-actions">
            <button type="submit" class="button primary" disabled={!dirty || saving}>{saving ? "Saving…" : "Save widget"}</button>
            <button type="button" class="button ghost" disabled={!dirty || saving} onClick={() => select(selected)}>Discard changes</button>
            <span class={`save-status${status.error ? " error" : ""}`} role={status.error ? "alert" : "status"}>{status.text}</span>
          </div>
        </form>
        <div class="builder-side">
          <section class="panel" aria-labelledby="preview-title">
            <h2 id="preview-title" class="panel-heading">Preview</h2>
            <label class="check"><input type="checkbox" checked={previewOffline} onChange={(e) => setPreviewOffline(e.currentTarget.checked)} /> <span>Show as outside business hours</span></label>
            <WidgetPreview draft={draft} offline={previewOffline} />
          </section>
          <EmbedSnippet siteKey={selected.site_key} />
        </div>
      </div>
    </div>
  );
}
