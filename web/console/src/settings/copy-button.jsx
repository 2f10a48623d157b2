// A "Copy ..." button for a text the admin pastes elsewhere (an embed snippet, a secret shown
// once), with a status that says whether it went to the clipboard.
import { useState } from "preact/hooks";

export function CopyButton({ text, label }) {
  const [copied, setCopied] = useState("");
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied("Copied to the clipboard.");
    } catch {
      setCopied("Select the text and copy it (Ctrl+C).");
    }
  };
  return (
    <>
      <button type="button" class="button small" onClick={copy}>{label}</button>
      <span class="copy-status" role="status">{copied}</span>
    </>
  );
}

// A secret the server shows only in this answer (a webhook's signing secret, a bot token): the
// value, a copy button, and "Done" to put it away for good.
export function OneTimeSecret({ id, title, copyLabel, value, hint, onDone }) {
  return (
    <section class="panel one-time-secret" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} class="panel-heading">{title}</h2>
      <p class="hint" id={`${id}-hint`}>{hint} It is shown only now: copy it before you leave this page.</p>
      <pre class="snippet" aria-describedby={`${id}-hint`}><code>{value}</code></pre>
      <div class="form-actions">
        <CopyButton text={value} label={copyLabel} />
        <button type="button" class="button ghost small" onClick={onDone}>Done</button>
      </div>
    </section>
  );
}
