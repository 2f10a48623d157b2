// Reconnect delays: exponential from `baseMs`, capped, with "equal jitter" (half fixed, half
// random) so a restarted server is not hit by every console at the same instant.

export function reconnectDelay(attempt, { baseMs = 500, maxMs = 30_000, random = Math.random } = {}) {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
