// The widget builder's model: an editable draft of a widget, its checks (the server's rules,
// so mistakes show before saving), the PATCH body with only what changed, and the embed snippet.
// The bot (one of none, a flow, the AI, an external bot) is lib/integrations.js's bot choice.
import { botChoiceFromWidget, botFields, botPatch, validateBotChoice } from "./integrations.js";

const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
export const WEEKDAYS = DAYS;

export function embedSnippet(origin, siteKey) {
  return `<script src="${origin}/widget.js" data-site-key="${siteKey}" async></script>`;
}

/** A widget as the form edits it: business hours as "09:00-17:00, 18:00-20:00" per day. */
export function draftFromWidget(w) {
  const hours = w.business_hours;
  return {
    name: w.name ?? "",
    title: w.title ?? "",
    welcome_message: w.welcome_message ?? "",
    offline_message: w.offline_message ?? "",
    primary: w.colors?.primary ?? "#2563eb",
    secondary: w.colors?.secondary ?? "#ffffff",
    side: w.side ?? "right",
    prechat_enabled: !!w.prechat?.enabled,
    prechat_fields: (w.prechat?.fields ?? []).map((f) => ({ ...f })),
    allowed_origins: (w.allowed_origins ?? ["*"]).join("\n"),
    bot: botChoiceFromWidget(w),
    hours_enabled: !!hours,
    timezone: hours?.timezone ?? "",
    days: Object.fromEntries(DAYS.map((d) => [d, (hours?.days?.[d] ?? []).map((r) => r.join("-")).join(", ")])),
  };
}

function parseRanges(text) {
  const ranges = [];
  for (const part of text.split(",").map((s) => s.trim()).filter(Boolean)) {
    const m = /^(\d{2}:\d{2})\s*-\s*(\d{2}:\d{2})$/.exec(part);
    if (!m) return null;
    ranges.push([m[1], m[2]]);
  }
  return ranges;
}

const validTime = (t) => /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/.test(t);
const byteLength = (s) => new TextEncoder().encode(s).length;

/** The widget body the draft stands for (full shape, as PATCH accepts it). */
export function widgetFromDraft(d) {
  const days = {};
  for (const day of DAYS) {
    const r = parseRanges(d.days[day] ?? "");
    if (r?.length) days[day] = r;
  }
  return {
    name: d.name.trim(),
    title: d.title.trim(),
    welcome_message: d.welcome_message,
    offline_message: d.offline_message,
    colors: { primary: d.primary.toLowerCase(), secondary: d.secondary.toLowerCase() },
    side: d.side,
    prechat: { enabled: d.prechat_enabled, fields: d.prechat_fields.map((f) => ({ name: f.name.trim(), label: f.label.trim(), type: f.type, required: !!f.required })) },
    allowed_origins: d.allowed_origins.split(/\s+/).map((s) => s.trim()).filter(Boolean),
    business_hours: d.hours_enabled ? { timezone: d.timezone.trim(), days } : null,
    ...botFields(d.bot),
  };
}

/** Field name -> message, empty when the draft can be saved. */
export function validateDraft(d) {
  const errors = validateBotChoice(d.bot);
  if (!d.title.trim()) errors.title = "A title is required.";
  else if (byteLength(d.title) > 200) errors.title = "At most 200 bytes.";
  if (byteLength(d.name) > 200) errors.name = "At most 200 bytes.";
  if (byteLength(d.welcome_message) > 4000) errors.welcome_message = "At most 4,000 bytes.";
  if (byteLength(d.offline_message) > 4000) errors.offline_message = "At most 4,000 bytes.";
  for (const key of ["primary", "secondary"])
    if (!/^#[0-9a-fA-F]{6}$/.test(d[key])) errors[key] = "Use the #rrggbb form.";
  const origins = d.allowed_origins.split(/\s+/).filter(Boolean);
  if (!origins.length) errors.allowed_origins = "List at least one origin, or * for any site.";
  else if (origins.length > 100) errors.allowed_origins = "At most 100 origins.";
  else {
    const bad = origins.find((o) => o !== "*" && !/^https?:\/\/[^/\s:]+(:\d{1,5})?$/.test(o));
    if (bad) errors.allowed_origins = `"${bad}" is not an origin like https://shop.example`;
  }
  if (d.prechat_fields.length > 20) errors.prechat_fields = "At most 20 fields.";
  const names = new Set();
  for (const f of d.prechat_fields) {
    if (!f.name.trim() || !f.label.trim()) errors.prechat_fields = "Every field needs a name and a label.";
    else if (names.has(f.name.trim())) errors.prechat_fields = `Two fields are named "${f.name.trim()}".`;
    names.add(f.name.trim());
  }
  if (d.hours_enabled) {
    if (!d.timezone.trim()) errors.timezone = "Give an IANA zone such as Europe/Paris.";
    for (const day of DAYS) {
      const r = parseRanges(d.days[day] ?? "");
      if (!r || r.some(([a, b]) => !validTime(a) || !validTime(b) || a === "24:00"))
        errors[`day_${day}`] = "Use ranges like 09:00-17:00, separated by commas.";
    }
  }
  return errors;
}

const BOT_KEYS = new Set(["bot_flow_id", "ai_bot", "external_bot"]);

/** Only the top-level fields that differ from the saved widget (what PATCH needs). */
export function patchBody(saved, draft) {
  const next = widgetFromDraft(draft);
  const body = {};
  for (const [k, v] of Object.entries(next))
    if (!BOT_KEYS.has(k) && JSON.stringify(v) !== JSON.stringify(saved[k] ?? null)) body[k] = v;
  return Object.assign(body, botPatch(saved, draft.bot));
}
