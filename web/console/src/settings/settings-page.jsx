// Settings: the widget builder, bots (agents read and simulate, admins edit), canned replies and
// labels for any staff member; team, routing and the integrations (AI assistant, webhooks, bot
// tokens) for admins (the server refuses agents there, so agents do not see them).
import { useConsole } from "../app/context.js";
import { BASE, linkClick } from "../app/router.js";
import { WidgetBuilder } from "./widget-builder.jsx";
import { TeamSettings } from "./team-settings.jsx";
import { CannedSettings } from "./canned-settings.jsx";
import { LabelSettings } from "./label-settings.jsx";
import { RoutingSettings } from "./routing-settings.jsx";
import { BotSettings } from "./bot-settings.jsx";
import { AiSettings } from "./ai-settings.jsx";
import { WebhookSettings } from "./webhook-settings.jsx";
import { BotTokenSettings } from "./bot-token-settings.jsx";

const SECTIONS = [
  { key: "widgets", label: "Widgets", Component: WidgetBuilder },
  { key: "bots", label: "Bots", Component: BotSettings },
  { key: "team", label: "Team", Component: TeamSettings, admin: true },
  { key: "canned", label: "Canned replies", Component: CannedSettings },
  { key: "labels", label: "Labels", Component: LabelSettings },
  { key: "routing", label: "Routing", Component: RoutingSettings, admin: true },
  { key: "ai", label: "AI assistant", Component: AiSettings, admin: true },
  { key: "webhooks", label: "Webhooks", Component: WebhookSettings, admin: true },
  { key: "bot-tokens", label: "Bot tokens", Component: BotTokenSettings, admin: true },
];

export function SettingsPage({ section }) {
  const { me } = useConsole();
  const visible = SECTIONS.filter((s) => !s.admin || me.role === "admin");
  const current = visible.find((s) => s.key === section) ?? visible[0];
  const { Component } = current;
  return (
    <div class="settings">
      <div class="page-header"><h1>Settings</h1></div>
      <div class="settings-layout">
        <nav aria-label="Settings sections" class="settings-nav">
          {visible.map((s) => (
            <a key={s.key} href={`${BASE}/settings/${s.key}`} onClick={linkClick} aria-current={s === current ? "page" : undefined}>{s.label}</a>
          ))}
        </nav>
        <div class="settings-body">
          <Component />
        </div>
      </div>
    </div>
  );
}
