// Bots: the workspace's flows (docs/flows.md). Pick one or start a new one, edit its definition
// as JSON, save (a new version; the server's validation message names the node it is about),
// delete, and simulate the saved version with visitor messages, one per line. Any staff member
// may read and simulate; only admins save or delete (the server refuses agents).
import { useEffect, useState } from "preact/hooks";
import { useConsole } from "../app/context.js";
import { FLOW_TEMPLATE, describeSimulation, flowError, flowText, parseFlow, parseInputs } from "../lib/flows.js";
import { formatMessageTime } from "../lib/format.js";

function FlowList({ flows, selectedId, onSelect, onNew, canEdit }) {
  return (
    <section class="panel" aria-labelledby="bots-title">
      <h2 id="bots-title" class="panel-heading">Bots</h2>
      <p class="hint">A widget with a bot flow (Widgets, "Bot flow") lets the bot answer new conversations first; it hands them to a person when the flow says so.</p>
      {flows.length === 0 ? <p class="empty">No bot flows yet.</p> : (
        <ul class="flow-list">
          {flows.map((f) => (
            <li key={f.id} class={f.id === selectedId ? "selected" : undefined}>
              <span class="flow-name">{f.name}</span>
              <small class="hint">version {f.version} · changed {formatMessageTime(f.updated_ts)}</small>
              <button type="button" class="button ghost small" aria-label={`${canEdit ? "Edit" : "Open"} ${f.name}`}
                aria-current={f.id === selectedId ? "true" : undefined} onClick={() => onSelect(f.id)}>{canEdit ? "Edit" : "Open"}</button>
            </li>
          ))}
        </ul>
      )}
      {canEdit && <button type="button" class="button small" onClick={onNew}>New flow</button>}
    </section>
  );
}

function Simulator({ flowId, dirty }) {
  const { api } = useConsole();
  const [inputs, setInputs] = useState("hi");
  const [result, setResult] = useState(null);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  useEffect(() => { setResult(null); setError(""); }, [flowId]);

  const run = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError("");
    try {
      setResult(describeSimulation(await api.post(`/flows/${flowId}/simulate`, { inputs: parseInputs(inputs) })));
    } catch (err) {
      setResult(null);
      setError(err.message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="panel" aria-labelledby="simulate-title">
      <h2 id="simulate-title" class="panel-heading">Simulate</h2>
      <form onSubmit={run}>
        <div class="field">
          <label for="flow-inputs">Visitor messages (one per line)</label>
          <textarea id="flow-inputs" rows={4} value={inputs} onInput={(e) => setInputs(e.currentTarget.value)} aria-describedby="flow-inputs-hint" />
          <small id="flow-inputs-hint" class="hint">Runs the saved version; nothing is sent or stored, and webhooks are not called.{dirty ? " Save first to try your edits." : ""}</small>
        </div>
        <button type="submit" class="button small" disabled={busy}>{busy ? "Simulating…" : "Simulate"}</button>
      </form>
      {error && <p class="form-error" role="alert">{error}</p>}
      {result && (
        <div class="simulation" role="region" aria-label="Simulation">
          <ol class="simulation-steps">
            {result.steps.map((s, i) => (
              <li key={i}>
                <p class="sim-input">Visitor: {s.input || "(no message)"}</p>
                {s.effects.length ? <ul>{s.effects.map((line, j) => <li key={j}>{line}</li>)}</ul> : <p class="hint">The bot says nothing.</p>}
              </li>
            ))}
          </ol>
          <p class="sim-outcome">{result.outcome}</p>
        </div>
      )}
    </section>
  );
}

export function BotSettings() {
  const { api, me } = useConsole();
  const canEdit = me.role === "admin";
  const [flows, setFlows] = useState(null);
  const [selectedId, setSelectedId] = useState(null); // null: a new flow
  const [text, setText] = useState(flowText(FLOW_TEMPLATE));
  const [savedText, setSavedText] = useState(null); // the selected flow as loaded or last saved
  const [status, setStatus] = useState({ text: "", error: false });
  const [problem, setProblem] = useState(null); // {message, node, line}
  const [busy, setBusy] = useState("");

  useEffect(() => {
    api.get("/flows").then((r) => setFlows(r.items), (e) => setStatus({ text: e.message, error: true }));
  }, [api]);

  const clear = () => {
    setStatus({ text: "", error: false });
    setProblem(null);
  };

  const edited = () => text !== (savedText ?? flowText(FLOW_TEMPLATE));
  const leave = () => !canEdit || !edited() || window.confirm("Discard your changes to this flow?");

  const select = async (id) => {
    if (!leave()) return;
    clear();
    setBusy("load");
    try {
      const f = await api.get(`/flows/${id}`);
      setSelectedId(id);
      setText(flowText(f.definition));
      setSavedText(flowText(f.definition));
    } catch (e) {
      setStatus({ text: e.message, error: true });
    } finally {
      setBusy("");
    }
  };

  const startNew = (confirmed) => {
    if (confirmed !== true && !leave()) return;
    clear();
    setSelectedId(null);
    setSavedText(null);
    setText(flowText(FLOW_TEMPLATE));
  };

  const save = async (e) => {
    e.preventDefault();
    clear();
    const parsed = parseFlow(text);
    if (parsed.error) return setProblem({ message: parsed.error, node: null, line: null });
    setBusy("save");
    try {
      const f = selectedId ? await api.put(`/flows/${selectedId}`, parsed.definition) : await api.post("/flows", parsed.definition);
      const summary = { id: f.id, name: f.name, version: f.version, created_ts: f.created_ts, updated_ts: f.updated_ts };
      setFlows((list) => [summary, ...(list ?? []).filter((x) => x.id !== f.id)]);
      setSelectedId(f.id);
      setText(flowText(f.definition));
      setSavedText(flowText(f.definition));
      setStatus({ text: `Saved: ${f.name}, version ${f.version}. New conversations use it; ongoing ones keep the version they started with.`, error: false });
    } catch (err) {
      if (err.status === 400) setProblem(flowError(err, text));
      else setStatus({ text: `Not saved: ${err.message}`, error: true });
    } finally {
      setBusy("");
    }
  };

  const remove = async () => {
    const flow = flows.find((f) => f.id === selectedId);
    if (!window.confirm(`Delete the flow ${flow?.name ?? ""}? Conversations it has keep running; widgets that name it get no bot.`)) return;
    clear();
    setBusy("delete");
    try {
      await api.del(`/flows/${selectedId}`);
      setFlows((list) => list.filter((f) => f.id !== selectedId));
      startNew(true);
      setStatus({ text: `Deleted ${flow?.name ?? "the flow"}.`, error: false });
    } catch (err) {
      setStatus({ text: `Not deleted: ${err.message}`, error: true });
    } finally {
      setBusy("");
    }
  };

  if (flows === null) return <p class="page-message" role="status">{status.text || "Loading bot flows…"}</p>;
  const selected = flows.find((f) => f.id === selectedId);
  const dirty = savedText !== null && text !== savedText;
  const describedBy = ["flow-json-hint", problem && "flow-json-error"].filter(Boolean).join(" ");

  return (
    <div class="settings-section bot-settings">
      <FlowList flows={flows} selectedId={selectedId} onSelect={select} onNew={startNew} canEdit={canEdit} />
      {(canEdit || selected) && (
        <section class="panel" aria-labelledby="flow-editor-title">
          <h2 id="flow-editor-title" class="panel-heading">{selected ? `${canEdit ? "Edit" : "Flow"}: ${selected.name}` : "New flow"}</h2>
          <form onSubmit={save}>
            <div class="field">
              <label for="flow-json">Flow definition (JSON)</label>
              <textarea id="flow-json" class="code-input" rows={22} spellcheck={false} value={text} readOnly={!canEdit}
                onInput={(e) => setText(e.currentTarget.value)} aria-invalid={problem ? "true" : undefined} aria-describedby={describedBy} />
              <small id="flow-json-hint" class="hint">
                Nodes: message (text, buttons, next), condition (keyword, regex, compare, business_hours), action (wait, set, webhook, handoff, close). See docs/flows.md.
                {canEdit ? "" : " Only admins change flows."}
              </small>
              {problem && (
                <p id="flow-json-error" class="form-error" role="alert">
                  {problem.message}
                  {problem.node && <span class="flow-node"> (node <code>{problem.node}</code>{problem.line ? `, line ${problem.line}` : ""})</span>}
                </p>
              )}
            </div>
            {canEdit && (
              <div class="form-actions">
                <button type="submit" class="button primary" disabled={!!busy}>{busy === "save" ? "Saving…" : "Save flow"}</button>
                {selected && <button type="button" class="button ghost danger" disabled={!!busy} onClick={remove}>Delete flow</button>}
                <span class={`save-status${status.error ? " error" : ""}`} role={status.error ? "alert" : "status"}>{status.text}</span>
              </div>
            )}
          </form>
        </section>
      )}
      {!canEdit && status.text && <p class={`save-status${status.error ? " error" : ""}`} role={status.error ? "alert" : "status"}>{status.text}</p>}
      {selected && <Simulator flowId={selected.id} dirty={dirty} />}
    </div>
  );
}
