// The widget builder: pick or create a widget, edit it with a live preview, choose its bot
// (none, a flow, the AI assistant or an external bot), copy its embed snippet, save with PATCH /widgets/{site_key} (only the fields that changed).
import { useEffect, useMemo, useState } from "preact/hooks";
import { useConsole } from "../app/context.js";
import { draftFromWidget, embedSnippet, patchBody, validateDraft } from "../lib/widget-draft.js";
import { WidgetPreview } from "./widget-preview.jsx";
import { PrechatFields, BusinessHours, TextField } from "./widget-form-parts.jsx";
import { BotChoiceField } from "./widget-bot-field.jsx";
import { CopyButton } from "./copy-button.jsx";
import { getAi } from "../lib/integrations.js";

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

function EmbedSnippet({ siteKey }) {
  const snippet = embedSnippet(location.origin, siteKey);
  return (
    <section class="panel" aria-labelledby="embed-title">
      <h2 id="embed-title" class="panel-heading">Embed on your site</h2>
      <p>Paste this line before <code>&lt;/body&gt;</code> on every page that should show the chat:</p>
      <pre class="snippet"><code>{snippet}</code></pre>
      <CopyButton text={snippet} label="Copy snippet" />
    </section>
  );
}

export function WidgetBuilder() {
  const { api, me } = useConsole();
  const [widgets, setWidgets] = useState(null);
  const [selected, setSelected] = useState(null);
  const [draft, setDraft] = useState(null);
  const [status, setStatus] = useState({ text: "", error: false });
  const [saving, setSaving] = useState(false);
  const [previewOffline, setPreviewOffline] = useState(false);
  const [flows, setFlows] = useState(null);
  const [ai, setAi] = useState(null); // GET /ai, admins only: says whether the AI is set up

  useEffect(() => {
    api.get("/widgets").then((r) => {
      setWidgets(r.items);
      if (r.items.length) select(r.items[0]);
    }, (e) => setStatus({ text: e.message, error: true }));
    api.get("/flows").then((r) => setFlows(r.items), () => setFlows([]));
    if (me.role === "admin") getAi(api).then(setAi, () => {});
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
        <form class="panel builder-form" onSubmit={save} aria-label="Widget settings" noValidate>
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
          <BotChoiceField choice={draft.bot} onChange={set("bot")} flows={flows} ai={ai} errors={errors} />
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
