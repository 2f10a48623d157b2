// The widget builder's longer fieldsets (the prechat form's fields, the business hours) and the
// labelled text field the settings forms share.
import { WEEKDAYS } from "../lib/widget-draft.js";

// A labelled input (or textarea), its id from the label, with a hint and an error under it.
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

const DAY_NAMES = { mon: "Monday", tue: "Tuesday", wed: "Wednesday", thu: "Thursday", fri: "Friday", sat: "Saturday", sun: "Sunday" };

export function PrechatFields({ draft, setDraft, error }) {
  const fields = draft.prechat_fields;
  const update = (i, patch) => setDraft((d) => ({ ...d, prechat_fields: d.prechat_fields.map((f, j) => (j === i ? { ...f, ...patch } : f)) }));
  const add = () => setDraft((d) => ({ ...d, prechat_fields: [...d.prechat_fields, { name: "", label: "", type: "text", required: false }] }));
  const remove = (i) => setDraft((d) => ({ ...d, prechat_fields: d.prechat_fields.filter((_, j) => j !== i) }));
  return (
    <fieldset>
      <legend>Prechat form</legend>
      <label class="check">
        <input type="checkbox" checked={draft.prechat_enabled} onChange={(e) => setDraft((d) => ({ ...d, prechat_enabled: e.currentTarget.checked }))} />
        <span>Ask visitors for details before the chat starts</span>
      </label>
      {draft.prechat_enabled && (
        <>
          <table class="fields-table">
            <caption class="visually-hidden">Prechat fields</caption>
            <thead><tr><th scope="col">Field name</th><th scope="col">Label</th><th scope="col">Type</th><th scope="col">Required</th><th scope="col"><span class="visually-hidden">Remove</span></th></tr></thead>
            <tbody>
              {fields.map((f, i) => (
                <tr key={i}>
                  <td><input aria-label={`Field ${i + 1} name`} value={f.name} placeholder="name" onInput={(e) => update(i, { name: e.currentTarget.value })} /></td>
                  <td><input aria-label={`Field ${i + 1} label`} value={f.label} placeholder="Your name" onInput={(e) => update(i, { label: e.currentTarget.value })} /></td>
                  <td>
                    <select aria-label={`Field ${i + 1} type`} value={f.type} onChange={(e) => update(i, { type: e.currentTarget.value })}>
                      <option value="text">Text</option>
                      <option value="email">Email</option>
                      <option value="phone">Phone</option>
                    </select>
                  </td>
                  <td><input type="checkbox" aria-label={`Field ${i + 1} required`} checked={f.required} onChange={(e) => update(i, { required: e.currentTarget.checked })} /></td>
                  <td><button type="button" class="icon-button" aria-label={`Remove field ${i + 1}`} onClick={() => remove(i)}>×</button></td>
                </tr>
              ))}
            </tbody>
          </table>
          <small class="hint">Use the names name, email and phone for the visitor's identity; other names become custom fields.</small>
          <button type="button" class="button ghost small" onClick={add} disabled={fields.length >= 20}>Add a field</button>
        </>
      )}
      {error && <p class="form-error">{error}</p>}
    </fieldset>
  );
}

export function BusinessHours({ draft, setDraft, errors }) {
  const set = (patch) => setDraft((d) => ({ ...d, ...patch }));
  return (
    <fieldset>
      <legend>Business hours</legend>
      <label class="check">
        <input type="checkbox" checked={draft.hours_enabled} onChange={(e) => set({ hours_enabled: e.currentTarget.checked, timezone: draft.timezone || Intl.DateTimeFormat().resolvedOptions().timeZone })} />
        <span>Only open at set hours (otherwise always open)</span>
      </label>
      {draft.hours_enabled && (
        <>
          <div class="field">
            <label for="hours-timezone">Time zone</label>
            <input id="hours-timezone" value={draft.timezone} placeholder="Europe/Paris" onInput={(e) => set({ timezone: e.currentTarget.value })} aria-invalid={errors.timezone ? "true" : undefined} />
            {errors.timezone && <small class="form-error">{errors.timezone}</small>}
          </div>
          <div class="hours-grid">
            {WEEKDAYS.map((day) => (
              <div key={day} class="field">
                <label for={`hours-${day}`}>{DAY_NAMES[day]}</label>
                <input id={`hours-${day}`} value={draft.days[day]} placeholder="closed" aria-invalid={errors[`day_${day}`] ? "true" : undefined}
                  onInput={(e) => set({ days: { ...draft.days, [day]: e.currentTarget.value } })} />
                {errors[`day_${day}`] && <small class="form-error">{errors[`day_${day}`]}</small>}
              </div>
            ))}
          </div>
          <small class="hint">Ranges like 09:00-12:00, 14:00-18:00; leave empty for closed. An end before its start crosses midnight.</small>
        </>
      )}
    </fieldset>
  );
}
