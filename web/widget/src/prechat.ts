// The prechat form (the widget's prechat fields). Submit sends `identify` and resolves once the
// server answers `visitor`; a `bad_request` is shown next to the field it names.
import { h } from "./dom";
import type { Identity, PrechatField } from "./host";
import type { Translate } from "./i18n";

const INPUT_TYPES = { text: "text", email: "email", phone: "tel" };
const AUTOCOMPLETE: Record<string, string> = { name: "name", email: "email", phone: "tel" };
const TOP_LEVEL = ["name", "email", "phone"];

export function prechatForm(
  t: Translate,
  fields: PrechatField[],
  identify: (identity: Identity) => Promise<unknown>,
  onDone: () => void,
): { el: HTMLElement; focus(): void } {
  const inputs: HTMLInputElement[] = [];
  const errors: HTMLElement[] = [];
  const formError = h("p", { class: "err", role: "alert" });
  const submit = h("button", { type: "submit", class: "primary" }, t("startChat"));
  const rows = fields.map((field, i) => {
    const id = `pf${i}`;
    const input = h("input", {
      id, name: field.name, type: INPUT_TYPES[field.type] ?? "text", required: field.required,
      autocomplete: AUTOCOMPLETE[field.name] ?? "on", "aria-describedby": `${id}e`,
    });
    const error = h("p", { class: "err", id: `${id}e` });
    inputs.push(input);
    errors.push(error);
    return h("div", {}, h("label", { for: id }, field.label), input, error);
  });

  const showError = (i: number, text: string) => {
    errors[i].textContent = text;
    inputs[i].setAttribute("aria-invalid", String(!!text));
  };

  const onSubmit = async (e: Event) => {
    e.preventDefault();
    formError.textContent = "";
    fields.forEach((_, i) => showError(i, ""));
    const missing = fields.findIndex((f, i) => f.required && !inputs[i].value.trim());
    if (missing >= 0) {
      showError(missing, t("required"));
      return inputs[missing].focus();
    }
    const identity: Identity = { fields: {} };
    fields.forEach((f, i) => {
      const value = inputs[i].value.trim();
      if (!value) return;
      if (TOP_LEVEL.includes(f.name)) (identity as Record<string, unknown>)[f.name] = value;
      else identity.fields![f.name] = value;
    });
    submit.disabled = true;
    try {
      await identify(identity);
      onDone();
    } catch (error) {
      const message = String((error as { message?: string }).message ?? error);
      // The server starts with the field's label or name ("Email is not a valid email address").
      const i = fields.findIndex((f) => message.startsWith(f.label + " ") || message.startsWith(f.name + " "));
      if (i >= 0) {
        showError(i, message);
        inputs[i].focus();
      } else formError.textContent = message;
    } finally {
      submit.disabled = false;
    }
  };

  const el = h("form", { class: "prechat", novalidate: true, onsubmit: onSubmit }, ...rows, formError, submit);
  return { el, focus: () => inputs[0]?.focus() };
}
