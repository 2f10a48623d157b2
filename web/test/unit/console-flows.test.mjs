import { test } from "node:test";
import assert from "node:assert/strict";
import { FLOW_TEMPLATE, describeSimulation, flowError, flowText, lineOfNode, parseFlow, parseInputs } from "../../console/src/lib/flows.js";

test("the text must be a JSON object before it goes to the server", () => {
  assert.deepEqual(parseFlow(flowText(FLOW_TEMPLATE)), { definition: FLOW_TEMPLATE });
  assert.match(parseFlow("{ nodes: [] }").error, /not valid JSON/);
  assert.match(parseFlow("[1, 2]").error, /JSON object/);
  assert.match(parseFlow("null").error, /JSON object/);
});

test("a refused save keeps the server's message and finds the node it names in the text", () => {
  const text = flowText(FLOW_TEMPLATE);
  const e = flowError({ status: 400, message: "node route: else -> nowhere is not a node", node: "route" }, text);
  assert.equal(e.message, "node route: else -> nowhere is not a node");
  assert.equal(e.node, "route");
  assert.equal(text.split("\n")[e.line - 1].trim(), '"id": "route",');
  assert.deepEqual(flowError({ status: 400, message: "start is required" }, text), { message: "start is required", node: null, line: null });
});

test("a node id is found as an id, not as a next or a text", () => {
  const text = '{\n "nodes": [\n  {"id": "a", "next": "b.c"},\n  {"text": "\\"id\\": b.c"},\n  {"id": "b.c"}\n ]\n}';
  assert.equal(lineOfNode(text, "b.c"), 5);
  assert.equal(lineOfNode(text, "bxc"), null);
  assert.equal(lineOfNode(text, ""), null);
});

test("simulation inputs: one per line, blank lines dropped", () => {
  assert.deepEqual(parseInputs("hi\n\n  pricing  \n"), ["hi", "pricing"]);
  assert.deepEqual(parseInputs(""), []);
});

test("a simulation reads as the visitor's messages and what the bot does after each", () => {
  const result = {
    outcome: "handoff",
    steps: [
      { input: "hi", effects: [{ type: "say", text: "Hi!", buttons: [{ label: "Pricing", value: "pricing" }, { label: "Other", value: "other" }] }] },
      { input: "pricing", effects: [{ type: "webhook", url: "https://x.example/p", method: "GET", body: null }, { type: "say", text: "9 EUR", buttons: [] }] },
      { input: "human", effects: [{ type: "say", text: "One moment" }, { type: "handoff" }] },
      { input: "?", effects: [{ type: "error", message: "step cap" }, { type: "close" }] },
    ],
  };
  assert.deepEqual(describeSimulation(result), {
    steps: [
      { input: "hi", effects: ["Bot says: Hi! [buttons: Pricing → pricing, Other → other]"] },
      { input: "pricing", effects: ["Calls GET https://x.example/p", "Bot says: 9 EUR"] },
      { input: "human", effects: ["Bot says: One moment", "Hands the conversation to a person"] },
      { input: "?", effects: ["Error: step cap", "Closes the conversation"] },
    ],
    outcome: "The conversation goes to a person (the queue).",
  });
  assert.equal(describeSimulation({ steps: [], outcome: "ended" }).outcome, "The flow ended: the visitor's next message goes to a person.");
});
