// Routing (admins): manual (agents accept from Waiting) or automatic (the least busy available
// agent gets the next visitor), and how many chats an agent holds by default.
import { useEffect, useState } from "preact/hooks";
import { useConsole } from "../app/context.js";

export function RoutingSettings() {
  const { api } = useConsole();
  const [saved, setSaved] = useState(null);
  const [form, setForm] = useState(null);
  const [status, setStatus] = useState({ text: "", error: false });

  useEffect(() => {
    api.get("/workspace").then((w) => {
      setSaved(w);
      setForm({ name: w.name, routing: w.routing, default_capacity: String(w.default_capacity) });
    }, (e) => setStatus({ text: e.message, error: true }));
  }, [api]);

  if (!form) return <p class="page-message" role="status">{status.text || "Loading…"}</p>;
  const capacity = Number(form.default_capacity);
  const capacityOk = Number.isInteger(capacity) && capacity >= 1 && capacity <= 100;
  const body = {};
  if (form.name.trim() !== saved.name) body.name = form.name.trim();
  if (form.routing !== saved.routing) body.routing = form.routing;
  if (capacityOk && capacity !== saved.default_capacity) body.default_capacity = capacity;

  const save = async (e) => {
    e.preventDefault();
    try {
      const w = await api.patch("/workspace", body);
      setSaved(w);
      setStatus({ text: "Saved.", error: false });
    } catch (err) {
      setStatus({ text: `Not saved: ${err.message}`, error: true });
    }
  };

  return (
    <form class="panel settings-section" onSubmit={save} aria-labelledby="routing-title">
      <h2 id="routing-title" class="panel-heading">Workspace and routing</h2>
      <label class="field"><span>Workspace name</span><input value={form.name} onInput={(e) => setForm({ ...form, name: e.currentTarget.value })} /></label>
      <fieldset>
        <legend>Routing</legend>
        <label class="check block">
          <input type="radio" name="routing" value="manual" checked={form.routing === "manual"} onChange={() => setForm({ ...form, routing: "manual" })} />
          <span><strong>Manual</strong>: visitors wait in the queue until an agent accepts them.</span>
        </label>
        <label class="check block">
          <input type="radio" name="routing" value="auto" checked={form.routing === "auto"} onChange={() => setForm({ ...form, routing: "auto" })} />
          <span><strong>Automatic</strong>: the next visitor goes to the online agent with the fewest chats, under their capacity.</span>
        </label>
      </fieldset>
      <label class="field">
        <span>Default capacity (chats at once per agent, 1–100)</span>
        <input type="number" min="1" max="100" class="narrow" value={form.default_capacity} aria-invalid={capacityOk ? undefined : "true"}
          onInput={(e) => setForm({ ...form, default_capacity: e.currentTarget.value })} />
      </label>
      <div class="form-actions">
        <button type="submit" class="button primary" disabled={!Object.keys(body).length}>Save routing</button>
        <span class={`save-status${status.error ? " error" : ""}`} role={status.error ? "alert" : "status"}>{status.text}</span>
      </div>
    </form>
  );
}
