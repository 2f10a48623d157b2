// The widget builder's "Bot" fieldset: who answers a new conversation first, as one choice
// (none, a flow, the AI assistant, an external bot) with the chosen one's details. The body it
// leads to is lib/integrations.js's botPatch: one bot set, the other two null.
import { BOT_KINDS } from "../lib/integrations.js";
import { TextField } from "./widget-form-parts.jsx";

// `flows`: the workspace's flows (null while loading); `ai`: GET /ai (null when unknown, e.g. for
// agents, who may not read it). A flow deleted since stays listed while the widget names it.
export function BotChoiceField({ choice, onChange, flows, ai, errors }) {
  const set = (patch) => onChange({ ...choice, ...patch });
  const known = !choice.flow_id || !flows || flows.some((f) => f.id === choice.flow_id);
  return (
    <fieldset>
      <legend>Bot</legend>
      <fieldset class="radio-column">
        <legend>Who answers a new conversation first</legend>
        {BOT_KINDS.map((k) => (
          <label key={k.kind} class="check">
            <input type="radio" name="bot-kind" value={k.kind} checked={choice.kind === k.kind} onChange={() => set({ kind: k.kind })} /> <span>{k.label}</span>
          </label>
        ))}
      </fieldset>
      {choice.kind === "flow" && (
        <div class="field">
          <label for="f-bot-flow">Bot flow</label>
          <select id="f-bot-flow" value={choice.flow_id} onChange={(e) => set({ flow_id: e.currentTarget.value })}
            aria-invalid={errors.bot_flow ? "true" : undefined} aria-describedby={errors.bot_flow ? "f-bot-flow-hint f-bot-flow-error" : "f-bot-flow-hint"}>
            <option value="">Pick a flow</option>
            {(flows ?? []).map((f) => <option key={f.id} value={f.id}>{f.name}</option>)}
            {!known && <option value={choice.flow_id}>A deleted flow</option>}
          </select>
          <small id="f-bot-flow-hint" class="hint">
            {flows === null ? "Loading flows…" : "The flow answers first and hands the visitor to a person when it says so. Flows are made under Bots."}
          </small>
          {errors.bot_flow && <small id="f-bot-flow-error" class="form-error">{errors.bot_flow}</small>}
        </div>
      )}
      {choice.kind === "ai" && (
        <TextField label="Assistant name" value={choice.ai_name} onInput={(v) => set({ ai_name: v })} error={errors.ai_name} maxLength={80}
          hint={ai && !ai.configured
            ? "The AI assistant is not set up yet (Settings, AI assistant): until it is, these conversations go straight to a person."
            : "Shown with its replies. The widget gets the tabs AI and Live support; the endpoint and model are under AI assistant."} />
      )}
      {choice.kind === "external" && (
        <>
          <TextField label="Bot name" value={choice.external_name} onInput={(v) => set({ external_name: v })} error={errors.external_name} maxLength={80}
            hint="Your bot learns of messages from a webhook and answers with a bot token (see Webhooks and Bot tokens); its messages carry the token's name." />
          <TextField label="Hand off after (seconds)" type="number" min="1" max="3600" class="narrow" value={choice.handoff_after_seconds}
            onInput={(v) => set({ handoff_after_seconds: v })} error={errors.handoff_after_seconds}
            hint="A visitor message the bot leaves unanswered this long goes to a person." />
        </>
      )}
    </fieldset>
  );
}
