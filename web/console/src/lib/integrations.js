// The admin integrations' form models and API calls: the AI endpoint (/ai, docs/ai.md),
// outgoing webhooks and their delivery log (/webhooks, docs/webhooks.md), bot tokens
// (/bot_tokens, docs/protocol.md "External bots") and a widget's one bot (flow, AI or external).
// The checks repeat the server's rules so mistakes show before saving. `api` is lib/api.js's
// client (get, post, put, patch, del); everything here is pure or takes it, so it is unit-tested
// under Node with a fake api.

const byteLength = (s) => new TextEncoder().encode(s).length;

/**
 * What is wrong with an outgoing URL by the server's rules (integrations/egress.cpp parse_url),
 * or "" when it is fine: http or https, a host, no credentials, no spaces or non-ASCII.
 */
export function httpUrlError(raw) {
  const url = raw.trim();
  if (!url) return "Give an address, like https://hooks.example.com/switchboard.";
  if (/[^\x21-\x7e]/.test(url)) return "Remove the spaces and non-ASCII characters (percent-encode them).";
  if (byteLength(url) > 2048) return "At most 2,048 characters.";
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)/i.exec(url);
  if (!m) return "Start with http:// or https://.";
  if (!/^https?$/i.test(m[1])) return "Only http:// and https:// addresses.";
  const authority = m[2];
  if (authority.includes("@")) return "Leave the user name and password out of the address.";
  const hostPort = /^(\[[0-9a-f:.]+\]|[a-z0-9._-]*)(?::(\d*))?$/i.exec(authority);
  if (!hostPort) return "The host name may have letters, digits, dots, - and _ only.";
  if (!hostPort[1]) return "The address needs a host, like https://hooks.example.com.";
  if (hostPort[2] !== undefined && !(hostPort[2] && Number(hostPort[2]) >= 1 && Number(hostPort[2]) <= 65535))
    return "The port is a number from 1 to 65535.";
  return "";
}

// ---- AI -------------------------------------------------------------------------------------

/** The AI form's fields from GET /ai (the key is write-only: its field starts empty). */
export function aiFormFromSettings(s) {
  return {
    base_url: s?.base_url ?? "",
    model: s?.model ?? "",
    system_prompt: s?.system_prompt ?? "",
    timeout_seconds: String(s?.timeout_seconds ?? 30),
    api_key: "",
    remove_key: false,
  };
}

/** Field name -> message (the server's rules), empty when the form can be saved. */
export function validateAiForm(f) {
  const errors = {};
  const url = httpUrlError(f.base_url);
  if (url) errors.base_url = `${url} The API root looks like https://api.openai.com/v1.`;
  const model = byteLength(f.model.trim());
  if (model < 1 || model > 200) errors.model = "Name the model (1 to 200 bytes), like gpt-4o-mini.";
  if (byteLength(f.system_prompt) > 8000) errors.system_prompt = "At most 8,000 bytes.";
  const t = Number(f.timeout_seconds);
  if (!/^\d+$/.test(f.timeout_seconds.trim()) || t < 5 || t > 120) errors.timeout_seconds = "A whole number of seconds from 5 to 120.";
  if (!f.remove_key && byteLength(f.api_key.trim()) > 500) errors.api_key = "At most 500 bytes.";
  return errors;
}

/**
 * The PUT /ai body: an empty key field leaves `api_key` out (the stored key stays); "Remove the
 * stored key" sends "" (the server forgets it).
 */
export function aiBody(f) {
  const body = {
    base_url: f.base_url.trim(),
    model: f.model.trim(),
    system_prompt: f.system_prompt,
    timeout_seconds: Number(f.timeout_seconds),
  };
  if (f.remove_key) body.api_key = "";
  else if (f.api_key.trim()) body.api_key = f.api_key.trim();
  return body;
}

/** What the key field's hint says about the stored key (GET /ai never returns the key). */
export function aiKeyStatus(s) {
  if (!s?.api_key_set) return "No API key is stored.";
  return `An API key is stored${s.api_key_hint ? ` (ending ${s.api_key_hint.replace(/^\.+/, "")})` : ""}. Leave this empty to keep it.`;
}

export const getAi = (api) => api.get("/ai");
export const putAi = (api, form) => api.put("/ai", aiBody(form));

// ---- Webhooks -------------------------------------------------------------------------------

export const WEBHOOK_EVENTS = [
  { type: "conversation.created", label: "A conversation starts" },
  { type: "message.created", label: "A message is posted (private notes too)" },
  { type: "conversation.status_changed", label: "A conversation's status changes" },
  { type: "visitor.identified", label: "A visitor tells who they are" },
];
const EVENT_TYPES = WEBHOOK_EVENTS.map((e) => e.type);

export const emptyWebhookForm = () => ({ url: "", description: "", events: [...EVENT_TYPES], enabled: true });

/** The edit form of an endpoint from GET /webhooks. */
export const webhookForm = (h) => ({ url: h.url ?? "", description: h.description ?? "", events: [...(h.events ?? [])], enabled: h.enabled !== false });

export function validateWebhookForm(f) {
  const errors = {};
  const url = httpUrlError(f.url);
  if (url) errors.url = url;
  if (!f.events.length) errors.events = "Pick at least one event.";
  if (byteLength(f.description.trim()) > 200) errors.description = "At most 200 bytes.";
  return errors;
}

/** The POST /webhooks body; events in the order they are listed. */
export function webhookBody(f) {
  return {
    url: f.url.trim(),
    events: EVENT_TYPES.filter((t) => f.events.includes(t)),
    description: f.description.trim(),
    enabled: !!f.enabled,
  };
}

/** The PATCH /webhooks/{id} body: only what differs from the endpoint as saved. */
export function webhookPatch(saved, f) {
  const next = webhookBody(f);
  const before = webhookBody(webhookForm(saved));
  return Object.fromEntries(Object.entries(next).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(before[k])));
}

/** Ticks or unticks one event type in the form. */
export function toggleEvent(f, type, on) {
  const events = on ? [...new Set([...f.events, type])] : f.events.filter((t) => t !== type);
  return { ...f, events };
}

const STATUS_TEXT = { delivered: "Delivered", retrying: "Retrying", failed: "Failed" };

/** One delivery of the log as the table shows it. */
export function deliveryRow(d) {
  const answer = d.response_status ? `HTTP ${d.response_status}` : "";
  return {
    id: d.id,
    event_type: d.event_type,
    status: STATUS_TEXT[d.status] ?? d.status,
    attempts: d.attempts ?? 0,
    response: [answer, d.error].filter(Boolean).join(": ") || "—",
    ts: d.last_attempt_ts ?? d.created_ts,
    next_attempt_ts: d.status === "retrying" ? d.next_attempt_ts ?? null : null,
    manual: !!d.manual,
  };
}

const enc = (s) => encodeURIComponent(s);
export const listWebhooks = (api) => api.get("/webhooks").then((r) => r.items ?? []);
export const createWebhook = (api, form) => api.post("/webhooks", webhookBody(form));
export const updateWebhook = (api, hookId, body) => api.patch(`/webhooks/${enc(hookId)}`, body);
export const rotateWebhookSecret = (api, hookId) => api.post(`/webhooks/${enc(hookId)}/rotate_secret`);
export const deleteWebhook = (api, hookId) => api.del(`/webhooks/${enc(hookId)}`);
export const listDeliveries = (api, hookId, cursor) => api.get(`/webhooks/${enc(hookId)}/deliveries`, { limit: 50, cursor });
export const redeliver = (api, hookId, eventId) => api.post(`/webhooks/${enc(hookId)}/deliveries/${enc(eventId)}/redeliver`);

// ---- Bot tokens -----------------------------------------------------------------------------

export function validateTokenName(name) {
  const n = byteLength(name.trim());
  return n >= 1 && n <= 80 ? "" : "Name the bot (1 to 80 bytes).";
}

export const listBotTokens = (api) => api.get("/bot_tokens").then((r) => r.items ?? []);
export const createBotToken = (api, name) => api.post("/bot_tokens", { name: name.trim() });
export const revokeBotToken = (api, tokenId) => api.del(`/bot_tokens/${enc(tokenId)}`);

// ---- A widget's bot -------------------------------------------------------------------------

// A widget has one bot (docs/ai.md): a flow (bot_flow_id), the AI (ai_bot {name}) or an external
// bot (external_bot {name, handoff_after_seconds}). Set by separate API edits, ai_bot wins, then
// external_bot: the choice shown is the one that answers.
export const BOT_KINDS = [
  { kind: "none", label: "No bot: a person answers" },
  { kind: "flow", label: "A bot flow" },
  { kind: "ai", label: "The AI assistant" },
  { kind: "external", label: "An external bot (API)" },
];

export function botChoiceFromWidget(w) {
  const kind = w.ai_bot ? "ai" : w.external_bot ? "external" : w.bot_flow_id ? "flow" : "none";
  return {
    kind,
    flow_id: w.bot_flow_id ?? "",
    ai_name: w.ai_bot?.name ?? "Assistant",
    external_name: w.external_bot?.name ?? "Bot",
    handoff_after_seconds: String(w.external_bot?.handoff_after_seconds ?? 60),
  };
}

/** Field name -> message for the chosen kind only. */
export function validateBotChoice(c) {
  const errors = {};
  const nameError = (name) => (byteLength(name.trim()) >= 1 && byteLength(name.trim()) <= 80 ? "" : "A name of 1 to 80 bytes.");
  if (c.kind === "flow" && !c.flow_id) errors.bot_flow = "Pick a flow (make one under Bots).";
  if (c.kind === "ai" && nameError(c.ai_name)) errors.ai_name = nameError(c.ai_name);
  if (c.kind === "external") {
    if (nameError(c.external_name)) errors.external_name = nameError(c.external_name);
    const s = Number(c.handoff_after_seconds);
    if (!/^\d+$/.test(c.handoff_after_seconds.trim()) || s < 1 || s > 3600) errors.handoff_after_seconds = "A whole number of seconds from 1 to 3600.";
  }
  return errors;
}

/** The widget's three bot fields for a choice: the chosen one set, the other two null. */
export function botFields(c) {
  return {
    bot_flow_id: c.kind === "flow" ? c.flow_id : null,
    ai_bot: c.kind === "ai" ? { name: c.ai_name.trim() } : null,
    external_bot: c.kind === "external" ? { name: c.external_name.trim(), handoff_after_seconds: Number(c.handoff_after_seconds) } : null,
  };
}

/**
 * The bot part of a widget PATCH: nothing when the answering bot is unchanged, else all three
 * fields (so a body never names two bots and no stale one stays behind).
 */
export function botPatch(saved, c) {
  const next = botFields(c);
  return JSON.stringify(next) === JSON.stringify(botFields(botChoiceFromWidget(saved))) ? {} : next;
}
