// The Bots settings' model: a flow definition as JSON text (docs/flows.md), the server's
// validation error with the node it names, and a simulation's transcript as lines to read.
// Pure: unit-tested under Node.

/** What "New flow" starts from: a greeting with quick replies, one question, a handoff. */
export const FLOW_TEMPLATE = {
  name: "New bot",
  start: "welcome",
  handoff_keywords: ["human", "agent"],
  nodes: [
    { id: "welcome", type: "message", text: "Hi! What can we do for you?",
      buttons: [{ label: "Pricing", value: "pricing" }, { label: "Something else", value: "other" }], next: "ask" },
    { id: "ask", type: "action", action: "wait", var: "answer", next: "route" },
    { id: "route", type: "condition", match: "keyword", any: ["price", "pricing"], then: "price", else: "human" },
    { id: "price", type: "message", text: "Plans start at 9 EUR a month.", next: "ask" },
    { id: "human", type: "action", action: "handoff", text: "Connecting you to a person." },
  ],
};

export const flowText = (definition) => JSON.stringify(definition, null, 2);

/** {definition} when the text is a JSON object, else {error} (said before asking the server). */
export function parseFlow(text) {
  let value;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { error: `This is not valid JSON: ${e.message}` };
  }
  if (!value || typeof value !== "object" || Array.isArray(value))
    return { error: "A flow is a JSON object with name, start and nodes." };
  return { definition: value };
}

/** The 1-based line of the node whose "id" is `node` in the JSON text, or null. */
export function lineOfNode(text, node) {
  if (!node) return null;
  const escaped = JSON.stringify(node).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const m = new RegExp(`"id"\\s*:\\s*${escaped}`).exec(text);
  return m ? text.slice(0, m.index).split("\n").length : null;
}

/** A refused save as {message, node, line}: the server's words and where the node is. */
export function flowError(error, text) {
  const node = error?.node || null;
  return { message: error?.message ?? String(error), node, line: lineOfNode(text, node) };
}

/** Visitor messages for a simulation: one per line, blank lines left out. */
export function parseInputs(text) {
  return text.split("\n").map((s) => s.trim()).filter(Boolean);
}

function effectLine(e) {
  switch (e.type) {
    case "say": {
      const buttons = e.buttons?.length ? ` [buttons: ${e.buttons.map((b) => (b.label === b.value ? b.label : `${b.label} → ${b.value}`)).join(", ")}]` : "";
      return `Bot says: ${e.text}${buttons}`;
    }
    case "handoff": return "Hands the conversation to a person";
    case "close": return "Closes the conversation";
    case "webhook": return `Calls ${e.method ?? "POST"} ${e.url}`;
    case "error": return `Error: ${e.message}`;
    default: return e.type;
  }
}

const OUTCOMES = {
  waiting: "The bot waits for the visitor's next message.",
  handoff: "The conversation goes to a person (the queue).",
  closed: "The bot closed the conversation.",
  ended: "The flow ended: the visitor's next message goes to a person.",
};

/** A simulate answer as [{input, effects: [line]}] and an outcome sentence. */
export function describeSimulation(result) {
  const steps = (result?.steps ?? []).map((s) => ({ input: s.input ?? "", effects: (s.effects ?? []).map(effectLine) }));
  return { steps, outcome: OUTCOMES[result?.outcome] ?? `Outcome: ${result?.outcome ?? "unknown"}` };
}
