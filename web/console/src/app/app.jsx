// The session gate: the login screen without a session, the console with one. Ending a session
// for any reason (logout, a 401 from the API, the socket closed with 4401) comes back here, with
// a message saying why when it was not the person's own doing.
import { useState, useCallback } from "preact/hooks";
import { clearSession, loadSession, saveSession } from "../lib/session.js";
import { LoginPage } from "./login-page.jsx";
import { ConsoleShell } from "./console-shell.jsx";

export function App() {
  const [session, setSession] = useState(() => loadSession());
  const [notice, setNotice] = useState("");

  const signedIn = useCallback((s, remember) => {
    saveSession(s, remember);
    setNotice("");
    setSession(s);
  }, []);

  const signedOut = useCallback((message = "") => {
    clearSession();
    setNotice(message);
    setSession(null);
  }, []);

  if (!session) return <LoginPage onSignedIn={signedIn} notice={notice} />;
  return <ConsoleShell key={session.token} session={session} onSignedOut={signedOut} />;
}
