// The team as transfer targets: GET /users for admins (names, roles, capacity); agents may not
// read /users, so for them the team is whoever the socket's presence frames announce (with
// their names). Live presence and load come from the inbox store either way.
import { useEffect, useMemo, useState } from "preact/hooks";
import { useConsole, useInbox } from "./context.js";

export function useTeam() {
  const { api } = useConsole();
  const [users, setUsers] = useState(null);
  const presence = useInbox((s) => s.presence);
  const conversations = useInbox((s) => s.conversations);
  useEffect(() => {
    let live = true;
    api.get("/users").then((r) => live && setUsers(r.items), () => live && setUsers([]));
    return () => (live = false);
  }, [api]);

  return useMemo(() => {
    const byId = new Map();
    for (const u of users ?? []) byId.set(u.id, { id: u.id, name: u.name || u.email, role: u.role, capacity: u.capacity, presence: u.presence });
    const names = new Map();
    for (const c of Object.values(conversations)) if (c.agent?.id && c.agent.name) names.set(c.agent.id, c.agent.name);
    for (const [id, p] of Object.entries(presence)) {
      const known = byId.get(id) ?? { id, name: p.name || names.get(id) || `Agent ${id.slice(-4)}` };
      byId.set(id, { ...known, presence: p.presence, active: p.active, capacity: p.capacity ?? known.capacity });
    }
    return { loading: users === null, members: [...byId.values()].sort((a, b) => a.name.localeCompare(b.name)) };
  }, [users, presence, conversations]);
}
