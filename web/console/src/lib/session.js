// Where the staff token lives: sessionStorage by default (gone with the tab), localStorage when
// the person ticks "Keep me signed in". The server's token lifetime applies either way.

const KEY = "switchboard.console.session";

export function loadSession(stores = defaultStores()) {
  for (const store of [stores.session, stores.local]) {
    try {
      const raw = store?.getItem(KEY);
      if (!raw) continue;
      const s = JSON.parse(raw);
      if (s?.token && s?.user) return s;
    } catch {
      // unreadable or blocked storage: no session
    }
  }
  return null;
}

export function saveSession(session, remember, stores = defaultStores()) {
  clearSession(stores);
  try {
    (remember ? stores.local : stores.session)?.setItem(KEY, JSON.stringify(session));
  } catch {
    // storage full or blocked: the session lives in memory only
  }
}

export function clearSession(stores = defaultStores()) {
  for (const store of [stores.session, stores.local]) {
    try {
      store?.removeItem(KEY);
    } catch {
      // nothing to clear
    }
  }
}

function defaultStores() {
  return { session: globalThis.sessionStorage, local: globalThis.localStorage };
}

/** A per-browser preference (tab, sound...), never a secret. */
export function loadPreference(name, fallback) {
  try {
    const v = globalThis.localStorage?.getItem(`switchboard.console.${name}`);
    return v === null || v === undefined ? fallback : JSON.parse(v);
  } catch {
    return fallback;
  }
}

export function savePreference(name, value) {
  try {
    globalThis.localStorage?.setItem(`switchboard.console.${name}`, JSON.stringify(value));
  } catch {
    // preferences are best effort
  }
}
