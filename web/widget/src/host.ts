// What the loader (widget.js) hands the lazily loaded chat (app-<hash>.js), and back.

export interface PrechatField { name: string; label: string; type: "text" | "email" | "phone"; required: boolean }

// GET /api/v1/widgets/{site_key}/config
export interface WidgetConfig {
  site_key: string;
  title: string;
  welcome_message: string;
  colors: { primary: string; secondary: string };
  side: "left" | "right";
  prechat: { enabled: boolean; fields: PrechatField[] };
  business_hours: unknown;
  offline_message: string;
  bot?: { name: string; ai?: boolean } | null; // who answers first; ai: the widget shows the AI and Live support tabs
}

export type Lang = "en" | "de";

export interface Host {
  base: string; // the server, e.g. "https://chat.example/" (where widget.js came from)
  siteKey: string;
  config: WidgetConfig;
  lang: Lang;
  root: ShadowRoot;
  bubble: HTMLButtonElement;
  emit(event: string, data?: unknown): void;
  setOpen(open: boolean): void; // the bubble's label and the open/close events
  setUnread(count: number): void; // the bubble's badge and the unread event
}

export interface Identity { name?: string; email?: string; phone?: string; fields?: Record<string, string> }

export interface AppHandle {
  open(): void;
  close(): void;
  toggle(): void;
  identify(identity: Identity): Promise<unknown>;
  destroy(): void;
}

export const STORAGE_PREFIX = "switchboard:";
