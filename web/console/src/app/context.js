// What every screen of a signed-in console shares: the API client, the agent socket, the inbox
// store, the notifier and the signed-in user. Provided once by the shell.
import { createContext } from "preact";
import { useContext, useEffect, useState, useRef } from "preact/hooks";

export const ConsoleContext = createContext(null);

export function useConsole() {
  return useContext(ConsoleContext);
}

/**
 * The part of the inbox a component shows, read during render; the component re-renders only
 * when that part changes (select stable pieces such as `s.conversations`, derive with useMemo).
 */
export function useInbox(selector) {
  const { store } = useConsole();
  const selectorRef = useRef(selector);
  selectorRef.current = selector;
  const [, setTick] = useState(0);
  useEffect(() => {
    let last = selectorRef.current(store.getState());
    return store.subscribe((state) => {
      const next = selectorRef.current(state);
      if (!Object.is(next, last)) {
        last = next;
        setTick((n) => n + 1);
      }
    });
  }, [store]);
  return selector(store.getState());
}

/** Socket frames as events: `useFrames(fn)` calls fn for every frame while mounted. */
export function useFrames(handler) {
  const { frames } = useConsole();
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => frames.listen((f) => ref.current(f)), [frames]);
}

/** A fan-out of events (socket frames, connection states) to whoever listens. */
export function createEmitter() {
  const listeners = new Set();
  return {
    emit(frame) {
      for (const l of listeners) l(frame);
    },
    listen(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
}
