// Bot tokens (admins): API tokens for external bots (an n8n workflow, a script) that answer a
// widget's conversations (docs/protocol.md "External bots"). The token is shown once, when it
// is made; the server keeps only its hash. Revoking works at once.
import { useEffect, useState } from "preact/hooks";
import { useConsole } from "../app/context.js";
import { createBotToken, listBotTokens, revokeBotToken, validateTokenName } from "../lib/integrations.js";
import { formatMessageTime } from "../lib/format.js";
import { OneTimeSecret } from "./copy-button.jsx";

const MAX_TOKENS = 50;

function NewToken({ onCreate }) {
  const [name, setName] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    const problem = validateTokenName(name);
    if (problem) return setError(problem);
    setError("");
    setBusy(true);
    try {
      await onCreate(name);
      setName("");
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} noValidate aria-label="New bot token">
      <div class="field">
        <label for="bot-token-name">Bot name</label>
        <input id="bot-token-name" value={name} maxLength={80} placeholder="Order bot" onInput={(e) => setName(e.currentTarget.value)}
          aria-invalid={error ? "true" : undefined} aria-describedby={error ? "bot-token-name-hint bot-token-name-error" : "bot-token-name-hint"} />
        <small id="bot-token-name-hint" class="hint">Visitors see it with the bot's messages.</small>
        {error && <small id="bot-token-name-error" class="form-error" role="alert">{error}</small>}
      </div>
      <button type="submit" class="button primary small" disabled={busy}>Create token</button>
    </form>
  );
}

export function BotTokenSettings() {
  const { api } = useConsole();
  const [tokens, setTokens] = useState(null);
  const [created, setCreated] = useState(null); // {name, token}: shown once
  const [status, setStatus] = useState({ text: "", error: false });

  useEffect(() => {
    listBotTokens(api).then(setTokens, (e) => setStatus({ text: e.message, error: true }));
  }, [api]);

  const create = async (name) => {
    const { token, position, ...t } = await createBotToken(api, name);
    setTokens((list) => [...list, t]);
    setCreated({ name: t.name, token });
    setStatus({ text: `Created a token for ${t.name}.`, error: false });
  };
  const revoke = async (t) => {
    if (!window.confirm(`Revoke the token of ${t.name}? The bot can no longer read or answer conversations.`)) return;
    try {
      await revokeBotToken(api, t.id);
      setTokens((list) => list.filter((x) => x.id !== t.id));
      setStatus({ text: `Revoked the token of ${t.name}.`, error: false });
    } catch (e) {
      setStatus({ text: `Not revoked: ${e.message}`, error: true });
    }
  };

  return (
    <div class="settings-section">
      <section class="panel" aria-labelledby="bot-tokens-title">
        <h2 id="bot-tokens-title" class="panel-heading">Bot tokens</h2>
        <p class="hint">
          An external bot sends <code>Authorization: Bearer &lt;token&gt;</code> to read and answer conversations
          (<code>/api/v1/conversations</code> only), learns of new messages from a webhook, and answers the widgets whose bot is
          "An external bot" (Widgets, Bot).
        </p>
        <p class={`save-status${status.error ? " error" : ""}`} role={status.error ? "alert" : "status"}>{status.text}</p>
        {tokens === null ? <p class="empty">Loading…</p> : tokens.length === 0 ? <p class="empty">No bot tokens yet.</p> : (
          <table class="data-table">
            <caption class="visually-hidden">Bot tokens</caption>
            <thead><tr><th scope="col">Bot</th><th scope="col">Created</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
            <tbody>
              {tokens.map((t) => (
                <tr key={t.id}>
                  <th scope="row">{t.name} <small class="hint">{t.id}</small></th>
                  <td>{formatMessageTime(t.created_ts)}</td>
                  <td><button type="button" class="button ghost small danger" aria-label={`Revoke ${t.name}`} onClick={() => revoke(t)}>Revoke</button></td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {created && (
        <OneTimeSecret id="bot-token-secret" title="Bot token" copyLabel="Copy bot token" value={created.token} onDone={() => setCreated(null)}
          hint={`Give this token to ${created.name}; only a hash of it is stored.`} />
      )}
      <section class="panel" aria-labelledby="bot-token-new-title">
        <h2 id="bot-token-new-title" class="panel-heading">New bot token</h2>
        {tokens !== null && tokens.length >= MAX_TOKENS ? <p class="hint">A workspace has at most {MAX_TOKENS} bot tokens: revoke one to make another.</p> : <NewToken onCreate={create} />}
      </section>
    </div>
  );
}
