// AI assistant (admins): the OpenAI-compatible endpoint a widget's AI bot answers with
// (GET/PUT /ai, docs/ai.md). The API key is write-only: the form says whether one is stored
// (and its last characters), never shows it, and can replace or remove it.
import { useEffect, useMemo, useState } from "preact/hooks";
import { useConsole } from "../app/context.js";
import { aiFormFromSettings, aiKeyStatus, getAi, putAi, validateAiForm } from "../lib/integrations.js";
import { formatMessageTime } from "../lib/format.js";
import { TextField } from "./widget-form-parts.jsx";

export function AiSettings() {
  const { api } = useConsole();
  const [settings, setSettings] = useState(null);
  const [form, setForm] = useState(null);
  const [tried, setTried] = useState(false); // show field errors after the first save
  const [status, setStatus] = useState({ text: "", error: false });
  const [saving, setSaving] = useState(false);

  const loaded = (s) => {
    setSettings(s);
    setForm(aiFormFromSettings(s));
  };
  useEffect(() => {
    getAi(api).then(loaded, (e) => setStatus({ text: e.message, error: true }));
  }, [api]);

  const errors = useMemo(() => (form && tried ? validateAiForm(form) : {}), [form, tried]);
  const set = (key) => (value) => setForm((f) => ({ ...f, [key]: value }));

  const save = async (e) => {
    e.preventDefault();
    setTried(true);
    if (Object.keys(validateAiForm(form)).length) return setStatus({ text: "Fix the highlighted fields first.", error: true });
    setSaving(true);
    try {
      loaded(await putAi(api, form));
      setTried(false);
      setStatus({ text: "Saved. The next AI reply uses these settings.", error: false });
    } catch (err) {
      setStatus({ text: `Not saved: ${err.message}`, error: true });
    } finally {
      setSaving(false);
    }
  };

  if (!form) return <p class="page-message" role={status.error ? "alert" : "status"}>{status.text || "Loading the AI settings…"}</p>;
  const keyHint = form.remove_key ? "The stored key is removed when you save." : aiKeyStatus(settings);

  return (
    <div class="settings-section">
      <section class="panel" aria-labelledby="ai-title">
        <h2 id="ai-title" class="panel-heading">AI assistant</h2>
        <p class="hint">
          A widget whose bot is the AI assistant (Widgets, Bot) lets it answer first, with any OpenAI-compatible chat-completions API
          (OpenAI, Azure OpenAI, Ollama, vLLM). It hands the visitor to a person when asked, and whenever the API fails.
          {settings.configured ? ` Last saved ${formatMessageTime(settings.updated_ts)}.` : " Not set up yet."}
        </p>
        <form onSubmit={save} aria-label="AI assistant settings" noValidate>
          <TextField label="Base URL" value={form.base_url} onInput={set("base_url")} error={errors.base_url} type="url" inputMode="url"
            spellcheck={false} placeholder="https://api.openai.com/v1" hint="The API root: the server calls <base URL>/chat/completions. Private addresses need --allow-private-egress." />
          <TextField label="Model" value={form.model} onInput={set("model")} error={errors.model} placeholder="gpt-4o-mini" spellcheck={false} />
          <TextField label="System prompt" multiline rows={6} value={form.system_prompt} onInput={set("system_prompt")} error={errors.system_prompt}
            hint="What the assistant is told before each conversation: who it speaks for, what it may answer." />
          <TextField label="Timeout (seconds)" type="number" min="5" max="120" class="narrow" value={form.timeout_seconds} onInput={set("timeout_seconds")}
            error={errors.timeout_seconds} hint="For a whole reply, 5 to 120. Past it the visitor goes to a person." />
          <TextField label="API key" type="password" autocomplete="off" spellcheck={false} value={form.api_key} onInput={set("api_key")}
            error={errors.api_key} disabled={form.remove_key} placeholder={settings.api_key_set ? "Stored: type a new key to replace it" : ""} hint={keyHint} />
          {settings.api_key_set && (
            <label class="check block">
              <input type="checkbox" checked={form.remove_key} onChange={(e) => setForm((f) => ({ ...f, remove_key: e.currentTarget.checked, api_key: "" }))} />
              <span>Remove the stored API key</span>
            </label>
          )}
          <div class="form-actions">
            <button type="submit" class="button primary" disabled={saving}>{saving ? "Saving…" : "Save AI settings"}</button>
            <span class={`save-status${status.error ? " error" : ""}`} role={status.error ? "alert" : "status"}>{status.text}</span>
          </div>
        </form>
      </section>
    </div>
  );
}
