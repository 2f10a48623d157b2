// "Transfer": a menu of colleagues with their presence and load. An agent cannot hand a
// conversation to someone at capacity (the server refuses); an admin can.
import { useEffect, useRef, useState } from "preact/hooks";
import { useTeam } from "../app/use-team.js";

// The open menu: mounted only while open, so the team is read (and kept live) only then.
function TeamMenu({ me, currentAgentId, onChoose, onClose, anchor }) {
  const { members, loading } = useTeam();
  const menu = useRef(null);
  const targets = members.filter((m) => m.id !== me.id && m.id !== currentAgentId);

  useEffect(() => {
    const close = (e) => !menu.current?.contains(e.target) && !anchor.current?.contains(e.target) && onClose(false);
    document.addEventListener("pointerdown", close);
    return () => document.removeEventListener("pointerdown", close);
  }, []);
  useEffect(() => {
    menu.current?.querySelector('[role="menuitem"]:not([aria-disabled="true"])')?.focus();
  }, [loading]);

  const onKeyDown = (e) => {
    const items = [...menu.current.querySelectorAll('[role="menuitem"]')];
    const i = items.indexOf(document.activeElement);
    if (e.key === "Escape") onClose(true);
    else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      items[(i + (e.key === "ArrowDown" ? 1 : items.length - 1)) % items.length]?.focus();
    }
  };

  return (
    <div ref={menu} role="menu" aria-label="Transfer to" class="menu" onKeyDown={onKeyDown}>
      {loading && <p class="menu-note">Loading the team…</p>}
      {!loading && targets.length === 0 && <p class="menu-note">No colleague to transfer to.</p>}
      {targets.map((m) => {
        const full = m.capacity != null && m.active != null && m.active >= m.capacity;
        const blocked = full && me.role !== "admin";
        return (
          <button key={m.id} type="button" role="menuitem" tabIndex={-1} aria-disabled={blocked ? "true" : undefined}
            onClick={() => !blocked && onChoose(m)} class="menu-item">
            <span class={`dot ${m.presence ?? "offline"}`} aria-hidden="true" />
            <span class="menu-item-name">{m.name}</span>
            <small>{m.presence ?? "offline"}{m.active != null ? ` · ${m.active}/${m.capacity ?? "?"} chats` : ""}{full ? " · at capacity" : ""}</small>
          </button>
        );
      })}
    </div>
  );
}

export function TransferMenu({ me, currentAgentId, onTransfer, disabled }) {
  const [open, setOpen] = useState(false);
  const button = useRef(null);
  const close = (refocus) => {
    setOpen(false);
    if (refocus) button.current?.focus();
  };
  return (
    <div class="menu-anchor">
      <button ref={button} type="button" class="button small" aria-haspopup="menu" aria-expanded={open ? "true" : "false"}
        disabled={disabled} onClick={() => setOpen(!open)}>Transfer</button>
      {open && <TeamMenu me={me} currentAgentId={currentAgentId} anchor={button} onClose={close}
        onChoose={(m) => { setOpen(false); onTransfer(m); }} />}
    </div>
  );
}
