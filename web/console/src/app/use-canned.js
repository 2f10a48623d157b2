// Canned replies, fetched once per session and shared by every reply box; the settings page
// calls `refreshCanned` after a change so the reply box sees it at once.
import { useEffect, useState } from "preact/hooks";
import { useConsole } from "./context.js";

const cache = new WeakMap();  // api -> {items, promise, listeners}

function entry(api) {
  let e = cache.get(api);
  if (!e) {
    e = { items: null, promise: null, listeners: new Set() };
    cache.set(api, e);
  }
  return e;
}

export function refreshCanned(api) {
  const e = entry(api);
  e.promise = api.get("/canned").then(
    (r) => {
      e.items = r.items ?? [];
      for (const l of e.listeners) l(e.items);
      return e.items;
    },
    () => e.items ?? [],
  );
  return e.promise;
}

export function useCanned() {
  const { api } = useConsole();
  const e = entry(api);
  const [items, setItems] = useState(e.items ?? []);
  useEffect(() => {
    e.listeners.add(setItems);
    if (!e.promise) refreshCanned(api);
    else if (e.items) setItems(e.items);
    return () => e.listeners.delete(setItems);
  }, [api]);
  return items;
}
