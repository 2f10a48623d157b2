// One webhook's delivery log (GET /webhooks/{id}/deliveries, newest event first, 50 a page):
// status, attempts, the receiver's answer or the error, when; "Redeliver" sends an event again
// now (POST .../redeliver, recorded as a manual attempt).
import { useEffect, useState } from "preact/hooks";
import { useConsole } from "../app/context.js";
import { deliveryRow, listDeliveries, redeliver } from "../lib/integrations.js";
import { formatMessageTime } from "../lib/format.js";

const REFRESH_AFTER_REDELIVER_MS = 1500; // the attempt is made in the background

export function WebhookDeliveries({ hook, name }) {
  const { api } = useConsole();
  const [items, setItems] = useState(null);
  const [cursor, setCursor] = useState(null);
  const [status, setStatus] = useState({ text: "", error: false });
  const [busy, setBusy] = useState(false);

  const load = async (more) => {
    setBusy(true);
    try {
      const page = await listDeliveries(api, hook.id, more ? cursor : undefined);
      setItems((list) => [...(more ? list ?? [] : []), ...(page.items ?? [])]);
      setCursor(page.next_cursor ?? null);
    } catch (e) {
      setStatus({ text: e.message, error: true });
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    load(false);
  }, [hook.id]);
  useEffect(() => {
    if (!status.queued) return undefined;
    const timer = setTimeout(() => load(false), REFRESH_AFTER_REDELIVER_MS);
    return () => clearTimeout(timer);
  }, [status]);

  const again = async (id) => {
    try {
      await redeliver(api, hook.id, id);
      setStatus({ text: `${id} is being sent again.`, error: false, queued: true });
    } catch (e) {
      setStatus({ text: `Not sent again: ${e.message}`, error: true });
    }
  };

  const rows = (items ?? []).map(deliveryRow);
  return (
    <section class="panel" aria-labelledby="deliveries-title">
      <h2 id="deliveries-title" class="panel-heading">Deliveries: {name}</h2>
      <p class="hint">The events sent to {hook.url}, newest first (the last 10,000 are kept). Failed ones are retried with growing pauses for a day.</p>
      <div class="form-actions">
        <button type="button" class="button small" onClick={() => load(false)} disabled={busy}>Refresh</button>
        <span class={`save-status${status.error ? " error" : ""}`} role={status.error ? "alert" : "status"}>{status.text}</span>
      </div>
      {items === null ? <p class="empty">Loading…</p> : rows.length === 0 ? <p class="empty">Nothing sent yet: an endpoint gets the events that happen after it was added.</p> : (
        <table class="data-table">
          <caption class="visually-hidden">Deliveries to {hook.url}</caption>
          <thead>
            <tr><th scope="col">Event</th><th scope="col">Status</th><th scope="col" class="num">Attempts</th><th scope="col">Answer</th><th scope="col">Last attempt</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr>
          </thead>
          <tbody>
            {rows.map((d) => (
              <tr key={d.id}>
                <th scope="row"><code>{d.id}</code> {d.event_type}</th>
                <td>
                  <span class={`status-pill delivery-${d.status.toLowerCase()}`}>{d.status}</span>
                  {d.manual && <small class="hint">sent again by hand</small>}
                  {d.next_attempt_ts && <small class="hint">next try {formatMessageTime(d.next_attempt_ts)}</small>}
                </td>
                <td class="num">{d.attempts}</td>
                <td>{d.response}</td>
                <td>{d.ts ? formatMessageTime(d.ts) : "—"}</td>
                <td><button type="button" class="button ghost small" aria-label={`Redeliver ${d.id}`} onClick={() => again(d.id)}>Redeliver</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {cursor && <button type="button" class="button ghost small" onClick={() => load(true)} disabled={busy}>Load older deliveries</button>}
    </section>
  );
}
