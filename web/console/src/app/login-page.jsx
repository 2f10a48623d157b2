// Sign-in: POST /auth/login. Marks the Performance timeline so the first render after login can
// be measured (see ConversationList).
import { useState, useRef, useEffect } from "preact/hooks";
import { createApi } from "../lib/api.js";

export function LoginPage({ onSignedIn, notice }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [remember, setRemember] = useState(false);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const emailRef = useRef(null);

  useEffect(() => {
    document.title = "Sign in · Switchboard";
    emailRef.current?.focus();
  }, []);

  async function submit(e) {
    e.preventDefault();
    setError("");
    setBusy(true);
    performance.clearMarks();
    performance.mark("console:login-submit");
    try {
      const api = createApi({ getToken: () => null });
      const r = await api.post("/auth/login", { email: email.trim(), password });
      performance.mark("console:login-answered");
      onSignedIn({ token: r.token, user: r.user }, remember);
    } catch (err) {
      setBusy(false);
      if (err.status === 401) setError("That email and password do not match an account.");
      else if (err.status === 429) setError("Too many attempts. Wait a few minutes, then try again.");
      else setError(err.message);
    }
  }

  return (
    <main class="login">
      <form class="login-card" onSubmit={submit} aria-labelledby="login-title">
        <div class="brand brand-large" aria-hidden="true"><span class="brand-mark">S</span> Switchboard</div>
        <h1 id="login-title">Sign in to the console</h1>
        {notice && <p class="notice" role="status">{notice}</p>}
        <label class="field">
          <span>Email</span>
          <input ref={emailRef} type="email" name="email" autocomplete="username" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
        </label>
        <label class="field">
          <span>Password</span>
          <input type="password" name="password" autocomplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        </label>
        <label class="check">
          <input type="checkbox" checked={remember} onChange={(e) => setRemember(e.currentTarget.checked)} />
          <span>Keep me signed in on this computer</span>
        </label>
        {error && <p class="form-error" role="alert">{error}</p>}
        <button class="button primary wide" type="submit" disabled={busy}>{busy ? "Signing in…" : "Sign in"}</button>
      </form>
    </main>
  );
}
