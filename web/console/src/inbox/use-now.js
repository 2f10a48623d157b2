// The current time, refreshed every `everyMs`, for "5m ago" style labels that must age.
import { useEffect, useState } from "preact/hooks";

export function useNow(everyMs) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}
