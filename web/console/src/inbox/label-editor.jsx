// The conversation's labels: remove with the chip's button, add by typing (suggestions are the
// labels already used in the workspace). Saved with PUT .../labels.
import { useMemo, useState } from "preact/hooks";
import { useInbox } from "../app/context.js";
import { labelsInUse } from "../lib/inbox-state.js";

export function LabelEditor({ labels, onChange, disabled }) {
  const conversations = useInbox((s) => s.conversations);
  const suggestions = useMemo(() => labelsInUse({ conversations }).map((l) => l.label), [conversations]);
  const [draft, setDraft] = useState("");
  const [error, setError] = useState("");
  const add = () => {
    const l = draft.trim();
    if (!l) return;
    if (l.length > 50) return setError("A label has at most 50 characters.");
    if (labels.length >= 20) return setError("At most 20 labels.");
    setError("");
    setDraft("");
    if (!labels.includes(l)) onChange([...labels, l]);
  };
  return (
    <div class="label-editor">
      <ul class="chips" aria-label="Labels">
        {labels.map((l) => (
          <li key={l} class="chip label">
            {l}
            <button type="button" class="chip-remove" aria-label={`Remove label ${l}`} disabled={disabled}
              onClick={() => onChange(labels.filter((x) => x !== l))}>×</button>
          </li>
        ))}
      </ul>
      <form class="label-add" onSubmit={(e) => { e.preventDefault(); add(); }}>
        <label class="visually-hidden" for="label-input">Add a label</label>
        <input id="label-input" list="label-suggestions" placeholder="+ label" value={draft} disabled={disabled}
          onInput={(e) => setDraft(e.currentTarget.value)} maxLength={50} />
        <datalist id="label-suggestions">
          {suggestions.filter((s) => !labels.includes(s)).map((s) => <option key={s} value={s} />)}
        </datalist>
      </form>
      {error && <span class="form-error" role="alert">{error}</span>}
    </div>
  );
}
