// Canned replies in the reply box: typing "/" at the start of a word opens the list, the
// characters after it filter by shortcut (then by text), and picking one replaces the "/word".

/**
 * The "/query" being typed at the caret, or null. A slash counts only at the start of the text
 * or after whitespace, so URLs and fractions ("1/2") do not open the list.
 * @returns {{query: string, start: number, end: number} | null}
 */
export function slashQueryAt(text, caret) {
  const before = text.slice(0, caret);
  const m = /(^|\s)\/([a-z0-9_-]*)$/i.exec(before);
  if (!m) return null;
  const start = before.length - m[2].length - 1;
  return { query: m[2].toLowerCase(), start, end: caret };
}

/** Canned replies matching a query, best first: shortcut prefix, shortcut substring, text. */
export function matchCanned(items, query, limit = 8) {
  const q = query.toLowerCase();
  const scored = [];
  for (const item of items) {
    const shortcut = item.shortcut.toLowerCase();
    let score;
    if (shortcut.startsWith(q)) score = 0;
    else if (shortcut.includes(q)) score = 1;
    else if (q && item.text.toLowerCase().includes(q)) score = 2;
    else continue;
    scored.push({ item, score });
  }
  scored.sort((a, b) => a.score - b.score || a.item.shortcut.localeCompare(b.item.shortcut));
  return scored.slice(0, limit).map((s) => s.item);
}

/** The reply text with the "/query" replaced by the canned text, and where the caret goes. */
export function insertCanned(text, range, cannedText) {
  const next = text.slice(0, range.start) + cannedText + text.slice(range.end);
  return { text: next, caret: range.start + cannedText.length };
}

/** Client-side check mirroring the server's rule: 1-32 of [a-z0-9_-]. */
export function isValidShortcut(shortcut) {
  return /^[a-z0-9_-]{1,32}$/.test(shortcut);
}
