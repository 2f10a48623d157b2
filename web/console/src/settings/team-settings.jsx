// Team (admins): who can sign in, their role and how many chats each may hold at once.
import { useEffect, useState } from "preact/hooks";
import { useConsole } from "../app/context.js";

function CapacityInput({ user, defaultCapacity, onSave }) {
  const [value, setValue] = useState(user.capacity ?? "");
  useEffect(() => setValue(user.capacity ?? ""), [user.capacity]);
  const commit = () => {
    const v = String(value).trim();
    const next = v === "" ? null : Number(v);
    if (next === user.capacity || (next !== null && !(Number.isInteger(next) && next >= 1 && next <= 100))) return setValue(user.capacity ?? "");
    onSave(next);
  };
  return (
    <input type="number" min="1" max="100" class="narrow" aria-label={`Capacity of ${user.name || user.email}`} value={value}
      placeholder={`${defaultCapacity ?? 5} (default)`} onInput={(e) => setValue(e.currentTarget.value)} onBlur={commit}
      onKeyDown={(e) => e.key === "Enter" && commit()} />
  );
}

function AddMember({ onAdd }) {
  const [form, setForm] = useState({ name: "", email: "", password: "", role: "agent" });
  const [error, setError] = useState("");
  const set = (k) => (e) => setForm({ ...form, [k]: e.currentTarget.value });
  const submit = async (e) => {
    e.preventDefault();
    if (form.password.length < 8) return setError("The password needs at least 8 characters.");
    setError("");
    try {
      await onAdd(form);
      setForm({ name: "", email: "", password: "", role: "agent" });
    } catch (err) {
      setError(err.status === 409 ? "Someone already has that email." : err.message);
    }
  };
  return (
    <form class="panel add-member" onSubmit={submit} aria-labelledby="add-member-title">
      <h2 id="add-member-title" class="panel-heading">Add a team member</h2>
      <div class="row-fields">
        <label class="field"><span>Name</span><input value={form.name} onInput={set("name")} required /></label>
        <label class="field"><span>Email</span><input type="email" value={form.email} onInput={set("email")} required /></label>
        <label class="field"><span>Temporary password</span><input type="password" autocomplete="new-password" value={form.password} onInput={set("password")} required /></label>
        <label class="field"><span>Role</span>
          <select value={form.role} onChange={set("role")}><option value="agent">Agent</option><option value="admin">Admin</option></select>
        </label>
      </div>
      {error && <p class="form-error" role="alert">{error}</p>}
      <button type="submit" class="button primary">Add member</button>
    </form>
  );
}

export function TeamSettings() {
  const { api, me } = useConsole();
  const [users, setUsers] = useState(null);
  const [workspace, setWorkspace] = useState(null);
  const [status, setStatus] = useState({ text: "", error: false });

  const load = () => api.get("/users").then((r) => setUsers(r.items), (e) => setStatus({ text: e.message, error: true }));
  useEffect(() => {
    load();
    api.get("/workspace").then(setWorkspace, () => {});
  }, [api]);

  const patch = async (u, body, what) => {
    try {
      const next = await api.patch(`/users/${u.id}`, body);
      setUsers((list) => list.map((x) => (x.id === u.id ? { ...x, ...next } : x)));
      setStatus({ text: `${u.name || u.email}: ${what}.`, error: false });
    } catch (e) {
      setStatus({ text: e.message, error: true });
    }
  };

  const remove = async (u) => {
    if (!window.confirm(`Remove ${u.name || u.email} from the team? They are signed out at once.`)) return;
    try {
      await api.del(`/users/${u.id}`);
      setUsers((list) => list.filter((x) => x.id !== u.id));
      setStatus({ text: `${u.name || u.email} was removed.`, error: false });
    } catch (e) {
      setStatus({ text: e.status === 409 ? "You cannot remove yourself." : e.message, error: true });
    }
  };

  const add = async (form) => {
    const u = await api.post("/users", { name: form.name.trim(), email: form.email.trim(), password: form.password, role: form.role });
    setUsers((list) => [...list, u].sort((a, b) => a.email.localeCompare(b.email)));
    setStatus({ text: `${u.name || u.email} can now sign in.`, error: false });
  };

  return (
    <div class="settings-section">
      <section class="panel" aria-labelledby="team-title">
        <h2 id="team-title" class="panel-heading">Team</h2>
        <p class={`save-status${status.error ? " error" : ""}`} role={status.error ? "alert" : "status"}>{status.text}</p>
        {users === null ? <p class="empty">Loading…</p> : (
          <table class="data-table">
            <caption class="visually-hidden">Team members</caption>
            <thead><tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Role</th><th scope="col">Capacity</th><th scope="col">Status</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
            <tbody>
              {users.map((u) => (
                <tr key={u.id}>
                  <th scope="row">{u.name || "—"}{u.id === me.id ? " (you)" : ""}</th>
                  <td>{u.email}</td>
                  <td>
                    <select aria-label={`Role of ${u.name || u.email}`} value={u.role} disabled={u.id === me.id}
                      onChange={(e) => patch(u, { role: e.currentTarget.value }, `role changed to ${e.currentTarget.value}`)}>
                      <option value="agent">Agent</option>
                      <option value="admin">Admin</option>
                    </select>
                  </td>
                  <td><CapacityInput user={u} defaultCapacity={workspace?.default_capacity} onSave={(c) => patch(u, { capacity: c }, c === null ? "capacity set to the default" : `capacity set to ${c}`)} /></td>
                  <td><span class={`dot ${u.presence ?? "offline"}`} aria-hidden="true" /> {u.presence ?? "offline"}</td>
                  <td>{u.id !== me.id && <button type="button" class="button ghost small danger" onClick={() => remove(u)} aria-label={`Remove ${u.name || u.email}`}>Remove</button>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <AddMember onAdd={add} />
    </div>
  );
}
