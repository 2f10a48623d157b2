// Reconnect delays: exponential from `base`, capped at `cap`, with "equal jitter" (a uniform
// pick in the upper half of the step) so a server restart is not met by every widget at once
// while a retry still never waits less than half its step.
export const BACKOFF_BASE_MS = 500;
export const BACKOFF_CAP_MS = 30_000;

export function backoffDelay(attempt: number, random: () => number): number {
  const step = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempt, 16));
  return Math.round(step / 2 + random() * (step / 2));
}
