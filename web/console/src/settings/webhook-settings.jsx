// Webhooks (admins): the endpoints the server POSTs the workspace's events to (docs/webhooks.md).
// Add, edit, enable or disable, delete; the signing secret is shown once, when the endpoint is
// made or given a new secret; each endpoint's delivery log, with Redeliver, is
// webhook-deliveries.jsx.
import { useEffect, useMemo, useState } from "preact/hooks";
import { useConsole } from "../app/context.js";
import {
  WEBHOOK_EVENTS, createWebhook, deleteWebhook, emptyWebhookForm, listWebhooks, rotateWebhookSecret, toggleEvent,
  updateWebhook, validateWebhookForm, webhookForm, webhookPatch,
} from "../lib/integrations.js";
import { OneTimeSecret } from "./copy-button.jsx";
import { WebhookDeliveries } from "./webhook-deliveries.jsx";

const MAX_WEBHOOKS = 10;
const nameOf = (h) => h.description || h.url;

function WebhookForm({ idBase, initial, submitLabel, onSubmit, onCancel }) {
  const [form, setForm] = useState(initial);
  const [tried, setTried] = useState(false);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const errors = useMemo(() => (tried ? validateWebhookForm(form) : {}), [form, tried]);
  const submit = async (e) => {
    e.preventDefault();
    setTried(true);
    if (Object.keys(validateWebhookForm(form)).length) return setError("Fix the highlighted fields first.");
    setError("");
    setBusy(true);
    try {
      if ((await onSubmit(form)) === "reset") {
        setForm(emptyWebhookForm());
        setTried(false);
      }
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(false);
    }
  };
  const described = (key, hint) => [hint, errors[key] && `${idBase}-${key}-error`].filter(Boolean).join(" ") || undefined;
  return (
    <form class="webhook-form" onSubmit={submit} noValidate aria-label={submitLabel}>
      <div class="field">
        <label for={`${idBase}-url`}>Endpoint URL</label>
        <input id={`${idBase}-url`} type="url" inputMode="url" spellcheck={false} value={form.url} placeholder="https://hooks.example.com/switchboard"
          onInput={(e) => setForm({ ...form, url: e.currentTarget.value })} aria-invalid={errors.url ? "true" : undefined}
          aria-describedby={described("url", `${idBase}-url-hint`)} />
        <small id={`${idBase}-url-hint`} class="hint">http:// or https://, without a user or password. Redirects are not followed.</small>
        {errors.url && <small id={`${idBase}-url-error`} class="form-error">{errors.url}</small>}
      </div>
      <div class="field">
        <label for={`${idBase}-description`}>Description</label>
        <input id={`${idBase}-description`} value={form.description} maxLength={200} placeholder="CRM sync"
          onInput={(e) => setForm({ ...form, description: e.currentTarget.value })} aria-invalid={errors.description ? "true" : undefined}
          aria-describedby={described("description")} />
        {errors.description && <small id={`${idBase}-description-error`} class="form-error">{errors.description}</small>}
      </div>
      <fieldset class="event-choices" aria-describedby={errors.events ? `${idBase}-events-error` : undefined}>
        <legend>Events</legend>
        {WEBHOOK_EVENTS.map((ev) => (
          <label key={ev.type} class="check block">
            <input type="checkbox" checked={form.events.includes(ev.type)} onChange={(e) => setForm(toggleEvent(form, ev.type, e.currentTarget.checked))} />
            <span>{ev.label} <code>{ev.type}</code></span>
          </label>
        ))}
        {errors.events && <small id={`${idBase}-events-error`} class="form-error">{errors.events}</small>}
      </fieldset>
      <label class="check block">
        <input type="checkbox" checked={form.enabled} onChange={(e) => setForm({ ...form, enabled: e.currentTarget.checked })} />
        <span>Enabled (events committed while an endpoint is disabled are never sent)</span>
      </label>
      <div class="form-actions">
        <button type="submit" class="button primary small" disabled={busy}>{submitLabel}</button>
        {onCancel && <button type="button" class="button ghost small" onClick={onCancel}>Cancel</button>}
      </div>
      {error && <p class="form-error" role="alert">{error}</p>}
    </form>
  );
}

function WebhookRow({ hook, onEdit, onToggle, onRotate, onDelete, onDeliveries, showingDeliveries }) {
  const name = nameOf(hook);
  return (
    <li class="webhook-row">
      <div class="webhook-main">
        <span class="webhook-url">{hook.url}</span>
        {hook.description && <small class="hint">{hook.description}</small>}
        <small class="hint">
          {hook.events.length === WEBHOOK_EVENTS.length ? "All events" : hook.events.join(", ")} · secret {hook.secret_hint || "…"}
          {hook.enabled ? "" : " · disabled"}
        </small>
      </div>
      <div class="row-actions">
        <label class="check">
          <input type="checkbox" checked={hook.enabled} onChange={(e) => onToggle(e.currentTarget.checked)} aria-label={`Enabled: ${name}`} />
          <span aria-hidden="true">Enabled</span>
        </label>
        <button type="button" class="button ghost small" aria-label={`Deliveries of ${name}`} aria-expanded={showingDeliveries ? "true" : "false"}
          onClick={onDeliveries}>Deliveries</button>
        <button type="button" class="button ghost small" aria-label={`Edit ${name}`} onClick={onEdit}>Edit</button>
        <button type="button" class="button ghost small" aria-label={`New secret for ${name}`} onClick={onRotate}>New secret</button>
        <button type="button" class="button ghost small danger" aria-label={`Delete ${name}`} onClick={onDelete}>Delete</button>
      </div>
    </li>
  );
}

export function WebhookSettings() {
  const { api } = useConsole();
  const [hooks, setHooks] = useState(null);
  const [editing, setEditing] = useState(null);
  const [secret, setSecret] = useState(null); // {url, secret}: shown once
  const [deliveriesOf, setDeliveriesOf] = useState(null);
  const [status, setStatus] = useState({ text: "", error: false });

  useEffect(() => {
    listWebhooks(api).then(setHooks, (e) => setStatus({ text: e.message, error: true }));
  }, [api]);

  const replace = (h) => setHooks((list) => list.map((x) => (x.id === h.id ? { ...x, ...h } : x)));
  const fail = (what) => (e) => setStatus({ text: `${what}: ${e.message}`, error: true });

  const create = async (form) => {
    const h = await createWebhook(api, form);
    const { secret: value, position, ...hook } = h;
    setHooks((list) => [hook, ...list]);
    setSecret({ url: hook.url, secret: value });
    setStatus({ text: `Added ${hook.url}. It gets the events from now on.`, error: false });
    return "reset";
  };
  const update = async (hook, form) => {
    const body = webhookPatch(hook, form);
    if (Object.keys(body).length) replace(await updateWebhook(api, hook.id, body));
    setEditing(null);
    setStatus({ text: `Saved ${nameOf({ ...hook, ...body })}.`, error: false });
  };
  const toggle = (hook, enabled) =>
    updateWebhook(api, hook.id, { enabled }).then((h) => {
      replace(h);
      setStatus({ text: `${nameOf(hook)} is ${enabled ? "enabled" : "disabled"}.`, error: false });
    }, (e) => {
      setHooks((list) => [...list]); // re-render: the checkbox goes back to what is saved
      fail("Not saved")(e);
    });
  const rotate = async (hook) => {
    if (!window.confirm(`Give ${nameOf(hook)} a new signing secret? Deliveries are signed with it at once, so the receiver needs it too.`)) return;
    try {
      const { secret: value, position, ...h } = await rotateWebhookSecret(api, hook.id);
      replace(h);
      setSecret({ url: h.url, secret: value });
      setStatus({ text: "", error: false });
    } catch (e) {
      fail("No new secret")(e);
    }
  };
  const remove = async (hook) => {
    if (!window.confirm(`Delete the webhook ${nameOf(hook)}? Its delivery log goes with it.`)) return;
    try {
      await deleteWebhook(api, hook.id);
      setHooks((list) => list.filter((x) => x.id !== hook.id));
      if (deliveriesOf === hook.id) setDeliveriesOf(null);
      setStatus({ text: `Deleted ${nameOf(hook)}.`, error: false });
    } catch (e) {
      fail("Not deleted")(e);
    }
  };

  const shown = hooks?.find((h) => h.id === deliveriesOf);
  return (
    <div class="settings-section">
      <section class="panel" aria-labelledby="webhooks-title">
        <h2 id="webhooks-title" class="panel-heading">Webhooks</h2>
        <p class="hint">
          The server POSTs each chosen event to these addresses as it happens, signed with the endpoint's secret
          (header X-Switchboard-Signature), and retries failures for a day. An external bot learns of messages this way.
        </p>
        <p class={`save-status${status.error ? " error" : ""}`} role={status.error ? "alert" : "status"}>{status.text}</p>
        {hooks === null ? <p class="empty">Loading…</p> : hooks.length === 0 ? <p class="empty">No webhooks yet.</p> : (
          <ul class="webhook-list" aria-label="Webhook endpoints">
            {hooks.map((h) => editing === h.id ? (
              <li key={h.id} class="webhook-row editing">
                <WebhookForm idBase={`webhook-${h.id}`} initial={webhookForm(h)} submitLabel="Save webhook" onSubmit={(form) => update(h, form)} onCancel={() => setEditing(null)} />
              </li>
            ) : (
              <WebhookRow key={h.id} hook={h} onEdit={() => setEditing(h.id)} onToggle={(on) => toggle(h, on)} onRotate={() => rotate(h)} onDelete={() => remove(h)}
                showingDeliveries={deliveriesOf === h.id} onDeliveries={() => setDeliveriesOf(deliveriesOf === h.id ? null : h.id)} />
            ))}
          </ul>
        )}
      </section>
      {secret && (
        <OneTimeSecret id="webhook-secret" title="Signing secret" copyLabel="Copy signing secret" value={secret.secret} onDone={() => setSecret(null)}
          hint={`The receiver at ${secret.url} checks each delivery's signature with this secret (see docs/webhooks.md).`} />
      )}
      {shown && <WebhookDeliveries key={shown.id} hook={shown} name={nameOf(shown)} />}
      <section class="panel" aria-labelledby="webhook-new-title">
        <h2 id="webhook-new-title" class="panel-heading">New webhook</h2>
        {hooks !== null && hooks.length >= MAX_WEBHOOKS ? <p class="hint">A workspace has at most {MAX_WEBHOOKS} webhooks: delete one to add another.</p> : (
          <WebhookForm idBase="webhook-new" initial={emptyWebhookForm()} submitLabel="Add webhook" onSubmit={create} />
        )}
      </section>
    </div>
  );
}
