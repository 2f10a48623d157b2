// The console's integrations model (console/src/lib/integrations.js): the checks that mirror the
// server's rules, the bodies sent to /ai, /webhooks, /bot_tokens and a widget's bot fields, what
// the key hint says, and the calls made (against a fake api that records them).
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  aiBody, aiFormFromSettings, aiKeyStatus, botChoiceFromWidget, botFields, botPatch, createBotToken, createWebhook,
  deliveryRow, emptyWebhookForm, httpUrlError, listDeliveries, listWebhooks, putAi, redeliver, revokeBotToken, toggleEvent,
  validateAiForm, validateBotChoice, validateTokenName, validateWebhookForm, webhookBody, webhookForm, webhookPatch,
} from "../../console/src/lib/integrations.js";

// Records each call as [method, path, body or query] and answers `answer`.
function fakeApi(answer = {}) {
  const calls = [];
  const call = (method) => async (path, arg) => {
    calls.push(arg === undefined ? [method, path] : [method, path, arg]);
    return answer;
  };
  return { calls, get: call("GET"), post: call("POST"), put: call("PUT"), patch: call("PATCH"), del: call("DELETE") };
}

test("outgoing URLs follow the server's rules, each mistake with its own message", () => {
  for (const ok of ["https://api.openai.com/v1", "http://127.0.0.1:11434/v1", "HTTPS://hooks.example.com/a?b=c", "http://[::1]:8080/x", "https://a_b.example"])
    assert.equal(httpUrlError(ok), "", ok);
  assert.match(httpUrlError(""), /Give an address/);
  assert.match(httpUrlError("api.openai.com/v1"), /Start with http/);
  assert.match(httpUrlError("ftp://files.example"), /Only http/);
  assert.match(httpUrlError("https://user:pw@hooks.example"), /user name and password/);
  assert.match(httpUrlError("https://hooks.example/a b"), /spaces/);
  assert.match(httpUrlError("https://bücher.example"), /non-ASCII/);
  assert.match(httpUrlError("https:///path"), /needs a host/);
  assert.match(httpUrlError("https://hooks.example:99999/"), /port/);
  assert.match(httpUrlError("https://hooks.example:/"), /port/);
  assert.match(httpUrlError("https://ho$t.example/"), /host name/);
  assert.match(httpUrlError(`https://h.example/${"a".repeat(2048)}`), /2,048/);
});

test("the AI form starts from GET /ai, with the key field empty", () => {
  const f = aiFormFromSettings({ configured: true, base_url: "https://api.openai.com/v1", model: "gpt-4o-mini", system_prompt: "Be kind.", timeout_seconds: 45, api_key_set: true, api_key_hint: "...abcd" });
  assert.deepEqual(f, { base_url: "https://api.openai.com/v1", model: "gpt-4o-mini", system_prompt: "Be kind.", timeout_seconds: "45", api_key: "", remove_key: false });
  assert.deepEqual(aiFormFromSettings({ configured: false }), { base_url: "", model: "", system_prompt: "", timeout_seconds: "30", api_key: "", remove_key: false });
});

test("AI settings: mistakes are named per field", () => {
  const good = { ...aiFormFromSettings(null), base_url: "https://api.openai.com/v1", model: "gpt-4o-mini" };
  assert.deepEqual(validateAiForm(good), {});
  const bad = { ...good, base_url: "api.openai.com", model: " ", system_prompt: "x".repeat(8001), timeout_seconds: "4", api_key: "k".repeat(501) };
  const errors = validateAiForm(bad);
  assert.deepEqual(Object.keys(errors).sort(), ["api_key", "base_url", "model", "system_prompt", "timeout_seconds"]);
  assert.match(errors.base_url, /^Start with http:\/\/ or https:\/\/\. The API root looks like https:\/\/api\.openai\.com\/v1\.$/);
  assert.equal(validateAiForm({ ...good, timeout_seconds: "12.5" }).timeout_seconds, "A whole number of seconds from 5 to 120.");
  assert.equal(validateAiForm({ ...good, timeout_seconds: "120" }).timeout_seconds, undefined);
  assert.equal(validateAiForm({ ...good, model: "é".repeat(101) }).model, "Name the model (1 to 200 bytes), like gpt-4o-mini.", "bytes, not characters");
});

test("the PUT /ai body keeps, replaces or removes the key", () => {
  const f = { base_url: " https://api.openai.com/v1 ", model: " gpt-4o-mini ", system_prompt: "Be kind.", timeout_seconds: "30", api_key: "", remove_key: false };
  assert.deepEqual(aiBody(f), { base_url: "https://api.openai.com/v1", model: "gpt-4o-mini", system_prompt: "Be kind.", timeout_seconds: 30 });
  assert.equal(aiBody({ ...f, api_key: " sk-new " }).api_key, "sk-new");
  assert.equal(aiBody({ ...f, api_key: "sk-typed", remove_key: true }).api_key, "", "remove wins over a typed key");
  assert.ok(!("api_key" in aiBody({ ...f, api_key: "   " })), "blank keeps the stored key");
});

test("the key hint says whether a key is stored, never more than its last characters", () => {
  assert.equal(aiKeyStatus({ configured: false }), "No API key is stored.");
  assert.equal(aiKeyStatus({ api_key_set: false }), "No API key is stored.");
  assert.equal(aiKeyStatus({ api_key_set: true, api_key_hint: "...abcd" }), "An API key is stored (ending abcd). Leave this empty to keep it.");
  assert.equal(aiKeyStatus({ api_key_set: true, api_key_hint: "" }), "An API key is stored. Leave this empty to keep it.");
});

test("putAi sends the body built from the form", async () => {
  const api = fakeApi({ configured: true });
  await putAi(api, { base_url: "http://localhost:11434/v1", model: "llama3", system_prompt: "", timeout_seconds: "60", api_key: "", remove_key: true });
  assert.deepEqual(api.calls, [["PUT", "/ai", { base_url: "http://localhost:11434/v1", model: "llama3", system_prompt: "", timeout_seconds: 60, api_key: "" }]]);
});

test("a new webhook gets every event by default; its checks name the field", () => {
  const f = emptyWebhookForm();
  assert.equal(f.events.length, 4);
  assert.deepEqual(Object.keys(validateWebhookForm(f)), ["url"]);
  const ok = { ...f, url: "https://hooks.example.com/sb" };
  assert.deepEqual(validateWebhookForm(ok), {});
  assert.deepEqual(Object.keys(validateWebhookForm({ ...ok, events: [], description: "d".repeat(201) })).sort(), ["description", "events"]);
});

test("the POST /webhooks body lists events in a fixed order, without repeats", () => {
  let f = { ...emptyWebhookForm(), url: " https://hooks.example.com/sb ", description: " CRM ", events: [] };
  f = toggleEvent(f, "visitor.identified", true);
  f = toggleEvent(f, "message.created", true);
  f = toggleEvent(f, "message.created", true);
  assert.deepEqual(webhookBody(f), { url: "https://hooks.example.com/sb", events: ["message.created", "visitor.identified"], description: "CRM", enabled: true });
  assert.deepEqual(toggleEvent(f, "message.created", false).events, ["visitor.identified"]);
});

test("editing a webhook patches only what changed", () => {
  const saved = { id: "wh_1", url: "https://a.example/h", events: ["message.created"], description: "", enabled: true, secret_hint: "whsec_...wxyz" };
  assert.deepEqual(webhookPatch(saved, webhookForm(saved)), {});
  assert.deepEqual(webhookPatch(saved, { ...webhookForm(saved), enabled: false }), { enabled: false });
  const moved = toggleEvent({ ...webhookForm(saved), url: "https://b.example/h" }, "conversation.created", true);
  assert.deepEqual(webhookPatch(saved, moved), { url: "https://b.example/h", events: ["conversation.created", "message.created"] });
});

test("webhook calls: list, create, deliveries with a cursor, redeliver", async () => {
  const api = fakeApi({ items: [{ id: "wh_1" }] });
  assert.deepEqual(await listWebhooks(api), [{ id: "wh_1" }]);
  await createWebhook(api, { ...emptyWebhookForm(), url: "https://h.example" });
  await listDeliveries(api, "wh_1");
  await listDeliveries(api, "wh_1", "17");
  await redeliver(api, "wh_1", "evt_42");
  assert.deepEqual(api.calls, [
    ["GET", "/webhooks"],
    ["POST", "/webhooks", { url: "https://h.example", events: ["conversation.created", "message.created", "conversation.status_changed", "visitor.identified"], description: "", enabled: true }],
    ["GET", "/webhooks/wh_1/deliveries", { limit: 50, cursor: undefined }],
    ["GET", "/webhooks/wh_1/deliveries", { limit: 50, cursor: "17" }],
    ["POST", "/webhooks/wh_1/deliveries/evt_42/redeliver"],
  ]);
});

test("a delivery row reads as status, attempts, the answer and when", () => {
  const base = { id: "evt_9", event_type: "message.created", conversation_id: "cv_1", attempts: 1, duration_ms: 12, created_ts: 1000, manual: false };
  assert.deepEqual(deliveryRow({ ...base, status: "delivered", response_status: 200, error: null, last_attempt_ts: 2000, next_attempt_ts: null }),
    { id: "evt_9", event_type: "message.created", status: "Delivered", attempts: 1, response: "HTTP 200", ts: 2000, next_attempt_ts: null, manual: false });
  const retrying = deliveryRow({ ...base, status: "retrying", attempts: 3, response_status: null, error: "connect: refused", last_attempt_ts: 3000, next_attempt_ts: 7000 });
  assert.equal(retrying.status, "Retrying");
  assert.equal(retrying.response, "connect: refused");
  assert.equal(retrying.next_attempt_ts, 7000);
  assert.equal(deliveryRow({ ...base, status: "failed", response_status: 500, error: "http 500", manual: true }).response, "HTTP 500: http 500");
  assert.equal(deliveryRow({ ...base, status: "failed" }).response, "—");
});

test("bot tokens: a name of 1 to 80 bytes; create trims it, revoke names the id", async () => {
  assert.equal(validateTokenName("Order bot"), "");
  assert.notEqual(validateTokenName("  "), "");
  assert.notEqual(validateTokenName("ü".repeat(41)), "");
  const api = fakeApi({ items: [] });
  await createBotToken(api, " Order bot ");
  await revokeBotToken(api, "bt_1");
  assert.deepEqual(api.calls, [["POST", "/bot_tokens", { name: "Order bot" }], ["DELETE", "/bot_tokens/bt_1"]]);
});

test("a widget's bot is one choice; the answering one wins when two are set", () => {
  assert.equal(botChoiceFromWidget({}).kind, "none");
  assert.equal(botChoiceFromWidget({ bot_flow_id: "fl_1" }).kind, "flow");
  assert.equal(botChoiceFromWidget({ bot_flow_id: "fl_1", external_bot: { name: "Ext" } }).kind, "external");
  const ai = botChoiceFromWidget({ bot_flow_id: "fl_1", ai_bot: { name: "Ava" } });
  assert.equal(ai.kind, "ai");
  assert.equal(ai.ai_name, "Ava");
  assert.equal(botChoiceFromWidget({ external_bot: { name: "Ext" } }).handoff_after_seconds, "60", "the server's default");
});

test("each choice gives exactly one bot field, the others null", () => {
  const c = { ...botChoiceFromWidget({}), flow_id: "fl_1", ai_name: " Ava ", external_name: " Ext ", handoff_after_seconds: "90" };
  assert.deepEqual(botFields({ ...c, kind: "none" }), { bot_flow_id: null, ai_bot: null, external_bot: null });
  assert.deepEqual(botFields({ ...c, kind: "flow" }), { bot_flow_id: "fl_1", ai_bot: null, external_bot: null });
  assert.deepEqual(botFields({ ...c, kind: "ai" }), { bot_flow_id: null, ai_bot: { name: "Ava" }, external_bot: null });
  assert.deepEqual(botFields({ ...c, kind: "external" }), { bot_flow_id: null, ai_bot: null, external_bot: { name: "Ext", handoff_after_seconds: 90 } });
});

test("the bot patch is empty while the answering bot stays, else names all three", () => {
  const saved = { bot_flow_id: "fl_old", ai_bot: { name: "Ava" }, external_bot: null };
  const choice = botChoiceFromWidget(saved);
  assert.deepEqual(botPatch(saved, choice), {}, "a shadowed flow left alone is not touched");
  assert.deepEqual(botPatch(saved, { ...choice, ai_name: "Ava 2" }), { bot_flow_id: null, ai_bot: { name: "Ava 2" }, external_bot: null });
  assert.deepEqual(botPatch(saved, { ...choice, kind: "flow", flow_id: "fl_new" }), { bot_flow_id: "fl_new", ai_bot: null, external_bot: null });
  const external = { external_bot: { name: "Ext" } };
  assert.deepEqual(botPatch(external, botChoiceFromWidget(external)), {}, "the default hand-off is not sent on its own");
});

test("a bot choice's checks apply to the chosen kind only", () => {
  const c = botChoiceFromWidget({});
  assert.deepEqual(validateBotChoice({ ...c, kind: "none", ai_name: "" }), {});
  assert.deepEqual(Object.keys(validateBotChoice({ ...c, kind: "flow" })), ["bot_flow"]);
  assert.deepEqual(Object.keys(validateBotChoice({ ...c, kind: "ai", ai_name: " " })), ["ai_name"]);
  assert.deepEqual(Object.keys(validateBotChoice({ ...c, kind: "external", external_name: "x".repeat(81), handoff_after_seconds: "3601" })).sort(),
    ["external_name", "handoff_after_seconds"]);
  assert.deepEqual(validateBotChoice({ ...c, kind: "external", handoff_after_seconds: "3600" }), {});
});
