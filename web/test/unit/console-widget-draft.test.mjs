import { test } from "node:test";
import assert from "node:assert/strict";
import { draftFromWidget, widgetFromDraft, validateDraft, patchBody, embedSnippet } from "../../console/src/lib/widget-draft.js";

const widget = {
  site_key: "wk_1", name: "Shop", title: "Chat with us", welcome_message: "Hi!", offline_message: "Away.",
  colors: { primary: "#2563eb", secondary: "#ffffff" }, side: "right", prechat: { enabled: false, fields: [] },
  allowed_origins: ["*"], business_hours: null,
};

test("an untouched draft patches nothing and is valid", () => {
  const d = draftFromWidget(widget);
  assert.deepEqual(validateDraft(d), {});
  assert.deepEqual(patchBody(widget, d), {});
});

test("only changed fields are sent", () => {
  const d = { ...draftFromWidget(widget), title: "Talk to us", primary: "#FF0000" };
  assert.deepEqual(patchBody(widget, d), { title: "Talk to us", colors: { primary: "#ff0000", secondary: "#ffffff" } });
});

test("business hours round-trip through the per-day text", () => {
  const w = { ...widget, business_hours: { timezone: "Europe/Paris", days: { mon: [["09:00", "12:00"], ["14:00", "18:00"]] } } };
  const d = draftFromWidget(w);
  assert.equal(d.days.mon, "09:00-12:00, 14:00-18:00");
  assert.deepEqual(widgetFromDraft(d).business_hours, w.business_hours);
  assert.deepEqual(patchBody(w, d), {});
});

test("mistakes are caught before saving", () => {
  const d = { ...draftFromWidget(widget), title: "", primary: "blue", allowed_origins: "https://ok.example\nshop.example", hours_enabled: true, timezone: "" };
  d.days = { ...d.days, tue: "9-5" };
  d.prechat_fields = [{ name: "order", label: "", type: "text", required: false }];
  const e = validateDraft(d);
  assert.deepEqual(Object.keys(e).sort(), ["allowed_origins", "day_tue", "prechat_fields", "primary", "timezone", "title"]);
});

test("the embed snippet is the one-line script tag", () => {
  assert.equal(embedSnippet("https://chat.example", "wk_1"), '<script src="https://chat.example/widget.js" data-site-key="wk_1" async></script>');
});

test("the bot flow: none is null, a pick patches bot_flow_id, going back to none patches null", () => {
  const d = draftFromWidget(widget);
  assert.equal(d.bot.kind, "none");
  const flow = { ...d, bot: { ...d.bot, kind: "flow", flow_id: "fl_1" } };
  assert.deepEqual(patchBody(widget, flow), { bot_flow_id: "fl_1", ai_bot: null, external_bot: null });
  const withBot = { ...widget, bot_flow_id: "fl_1" };
  assert.deepEqual(patchBody(withBot, draftFromWidget(withBot)), {});
  const none = draftFromWidget(withBot);
  assert.deepEqual(patchBody(withBot, { ...none, bot: { ...none.bot, kind: "none" } }), { bot_flow_id: null, ai_bot: null, external_bot: null });
});

test("a bot choice's mistakes show with the rest of the draft", () => {
  const d = draftFromWidget(widget);
  assert.deepEqual(Object.keys(validateDraft({ ...d, bot: { ...d.bot, kind: "flow" } })), ["bot_flow"]);
  assert.deepEqual(Object.keys(validateDraft({ ...d, bot: { ...d.bot, kind: "external", handoff_after_seconds: "0" } })), ["handoff_after_seconds"]);
});
