// The signed-in console: top bar (navigation "Main", connection, presence, alerts, log out) and
// the current page. The dashboard and settings are loaded on first visit (own chunks).
import { useEffect, useMemo, useState } from "preact/hooks";
import { ConsoleContext, useInbox } from "./context.js";
import { createConsoleSession } from "./console-session.js";
import { useRoute, linkClick, BASE } from "./router.js";
import { attentionCount } from "../lib/inbox-state.js";
import { loadPreference, savePreference } from "../lib/session.js";
import { InboxPage } from "../inbox/inbox-page.jsx";

const loaders = {
  dashboard: () => import("../dashboard/dashboard-page.jsx").then((m) => m.DashboardPage),
  settings: () => import("../settings/settings-page.jsx").then((m) => m.SettingsPage),
};

function LazyPage({ name, ...props }) {
  const [Page, setPage] = useState(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let live = true;
    loaders[name]().then((P) => live && setPage(() => P), () => live && setFailed(true));
    return () => (live = false);
  }, [name]);
  if (failed) return <p class="page-message" role="alert">This page could not be loaded. Check your connection and reload.</p>;
  if (!Page) return <p class="page-message" role="status">Loading…</p>;
  return <Page {...props} />;
}

const SECTIONS = [
  ["inbox", "Inbox"],
  ["dashboard", "Dashboard"],
  ["settings", "Settings"],
];

function MainNav({ page }) {
  const attention = useInbox(attentionCount);
  return (
    <nav aria-label="Main" class="main-nav">
      {SECTIONS.map(([key, label]) => (
        <a key={key} href={`${BASE}/${key}`} onClick={linkClick} aria-current={page === key ? "page" : undefined}
          aria-describedby={key === "inbox" && attention ? "nav-attention" : undefined}>
          {label}
          {key === "inbox" && attention > 0 && <span class="badge" aria-hidden="true">{attention > 99 ? "99+" : attention}</span>}
          {key === "inbox" && attention > 0 && <span id="nav-attention" hidden>{attention} waiting or unread</span>}
        </a>
      ))}
    </nav>
  );
}

function ConnectionStatus({ session }) {
  const [state, setState] = useState(session.connectionState);
  useEffect(() => session.connection.listen(setState), [session]);
  if (state === "live") return null;
  return <span class={`connection ${state}`} role="status">{state === "connecting" ? "Connecting…" : "Offline: reconnecting…"}</span>;
}

function AlertControls({ notifier }) {
  const [permission, setPermission] = useState(notifier.permission);
  const [sound, setSound] = useState(() => loadPreference("sound", true));
  useEffect(() => {
    notifier.soundOn = sound;
  }, [notifier, sound]);
  const toggleSound = () => {
    notifier.unlockAudio();
    setSound(!sound);
    savePreference("sound", !sound);
  };
  return (
    <>
      {permission === "default" && (
        <button type="button" class="button ghost small" onClick={async () => setPermission(await notifier.requestPermission())}>Enable notifications</button>
      )}
      <button type="button" class="button ghost small" aria-pressed={sound ? "true" : "false"} onClick={toggleSound} title="Play a sound for new visitors and messages">
        {sound ? "Sound on" : "Sound off"}
      </button>
    </>
  );
}

function PresenceSelect({ socket }) {
  const [status, setStatus] = useState(() => loadPreference("presence", "online"));
  useEffect(() => {
    socket.setPresence(status);
  }, [socket, status]);
  return (
    <label class="presence">
      <span class={`dot ${status}`} aria-hidden="true" />
      <span class="visually-hidden">Your status</span>
      <select value={status} onChange={(e) => {
        setStatus(e.currentTarget.value);
        savePreference("presence", e.currentTarget.value);
      }}>
        <option value="online">Online</option>
        <option value="away">Away</option>
      </select>
    </label>
  );
}

export function ConsoleShell({ session: signedIn, onSignedOut }) {
  const session = useMemo(() => createConsoleSession({ session: signedIn, onSignedOut }), [signedIn, onSignedOut]);
  const route = useRoute();

  useEffect(() => {
    session.start();
    // Browsers let audio start only after a gesture: unlock it on the first one.
    const unlock = () => session.notifier.unlockAudio();
    window.addEventListener("pointerdown", unlock, { once: true });
    return () => {
      window.removeEventListener("pointerdown", unlock);
      session.stop();
    };
  }, [session]);

  useEffect(() => {
    session.setSection(SECTIONS.find(([k]) => k === route.page)?.[1] ?? "Inbox");
  }, [session, route.page]);

  const me = signedIn.user;
  return (
    <ConsoleContext.Provider value={session}>
      <div class="shell">
        <a class="skip-link" href="#main">Skip to content</a>
        <header class="topbar">
          <div class="brand"><span class="brand-mark" aria-hidden="true">S</span> Switchboard</div>
          <MainNav page={route.page} />
          <div class="topbar-tools">
            <ConnectionStatus session={session} />
            <AlertControls notifier={session.notifier} />
            <PresenceSelect socket={session.socket} />
            <span class="whoami" title={me.email}>{me.name}<small>{me.role === "admin" ? "Admin" : "Agent"}</small></span>
            <button type="button" class="button small" onClick={() => session.logout()}>Log out</button>
          </div>
        </header>
        <main id="main" class="page" tabIndex={-1}>
          {route.page === "inbox" && <InboxPage conversationId={route.conversationId} />}
          {route.page === "dashboard" && <LazyPage name="dashboard" />}
          {route.page === "settings" && <LazyPage name="settings" section={route.section} />}
        </main>
      </div>
    </ConsoleContext.Provider>
  );
}
