import { test } from "node:test";
import assert from "node:assert/strict";
import { slashQueryAt, matchCanned, insertCanned, isValidShortcut } from "../../console/src/lib/canned.js";

const canned = [
  { id: "1", shortcut: "hello", text: "Hello! How can I help?" },
  { id: "2", shortcut: "refund", text: "Refunds take 5 days." },
  { id: "3", shortcut: "shipping", text: "We ship worldwide; say hello to the courier." },
];

test("a slash at the start of the box or of a word opens the list", () => {
  assert.deepEqual(slashQueryAt("/", 1), { query: "", start: 0, end: 1 });
  assert.deepEqual(slashQueryAt("Thanks! /ref", 12), { query: "ref", start: 8, end: 12 });
  assert.equal(slashQueryAt("see https://x.example/ref", 25), null);
  assert.equal(slashQueryAt("1/2", 3), null);
  assert.equal(slashQueryAt("/ref done", 9), null, "the caret left the word");
});

test("matches rank shortcut prefixes, then substrings, then the text", () => {
  assert.deepEqual(matchCanned(canned, "").map((c) => c.shortcut), ["hello", "refund", "shipping"]);
  assert.deepEqual(matchCanned(canned, "re").map((c) => c.shortcut), ["refund"]);
  assert.deepEqual(matchCanned(canned, "hel").map((c) => c.shortcut), ["hello", "shipping"]);
  assert.deepEqual(matchCanned(canned, "zzz"), []);
  assert.equal(matchCanned(canned, "", 2).length, 2);
});

test("inserting replaces the /query and puts the caret after the text", () => {
  const range = slashQueryAt("Hi /ref", 7);
  assert.deepEqual(insertCanned("Hi /ref", range, "Refunds take 5 days."), { text: "Hi Refunds take 5 days.", caret: 23 });
});

test("shortcuts follow the server's rule", () => {
  assert.ok(isValidShortcut("order-status_2"));
  assert.ok(!isValidShortcut("Hello"));
  assert.ok(!isValidShortcut(""));
  assert.ok(!isValidShortcut("x".repeat(33)));
});
