// widget.js, what every page view loads (budget: 4 KB gzip). It finds its own <script>, reads
// the widget's public config, draws the bubble in a shadow root and defines the one global,
// `Switchboard`. The chat (widget/app-<hash>.js beside this script) loads on the first open
// or API call, or when the page comes up idle for a returning visitor with a conversation
// (so an agent's reply still shows as unread). Nothing is written to storage here.
import { STORAGE_PREFIX, type AppHandle, type Host, type Lang, type WidgetConfig } from "./host";

declare const __APP_FILE__: string; // set by build.mjs: the hashed chat module's file name

const LABELS: Record<Lang, string[]> = {
  en: ["Open chat", "Close chat", "% unread messages"],
  de: ["Chat öffnen", "Chat schließen", "% ungelesene Nachrichten"],
};
const CHAT_ICON = '<path d="M4 4h16v12H8l-4 4z"/>';
const CLOSE_ICON = '<path d="M6 6l12 12M18 6L6 18" stroke="currentColor" stroke-width="2.4" fill="none"/>';
const CSS =
  ":host{all:initial}" +
  ".b{position:fixed;bottom:20px;right:20px;z-index:2147483000;width:56px;height:56px;border:0;border-radius:50%;" +
  "background:var(--p);color:var(--s);cursor:pointer;box-shadow:0 4px 14px #0004;padding:0;display:grid;place-items:center}" +
  ":host([data-side=left]) .b{right:auto;left:20px}" +
  ".b:focus-visible{outline:3px solid var(--p);outline-offset:3px}" +
  ".b svg{width:26px;height:26px;fill:currentColor}.b .x,.b.o .c{display:none}.b.o .x{display:block}" +
  ".n{position:absolute;top:-2px;right:-2px;min-width:20px;height:20px;border-radius:10px;background:#c81e1e;" +
  "color:#fff;font:700 12px/20px system-ui,sans-serif;text-align:center;padding:0 5px;box-sizing:border-box}" +
  "[hidden]{display:none!important}";

function pickLang(wanted?: string): Lang {
  for (const tag of [wanted, ...(navigator.languages || [navigator.language])])
    if (tag && tag.slice(0, 2).toLowerCase() === "de") return "de";
  return "en";
}

(() => {
  performance.mark("switchboard:start");
  const w = window as unknown as { Switchboard?: unknown };
  if (w.Switchboard) return; // embedded twice
  const script = (document.currentScript ||
    document.querySelector("script[data-site-key]")) as HTMLScriptElement | null;
  const siteKey = script?.dataset.siteKey;
  if (!script || !siteKey) return console.warn("Switchboard: the script tag needs data-site-key");
  const base = new URL(".", script.src).href;
  const lang = pickLang(script.dataset.lang);
  const labels = LABELS[lang];
  const listeners: Record<string, Set<(data: unknown) => void>> = {};
  const emit = (event: string, data?: unknown) =>
    listeners[event]?.forEach((fn) => {
      try { fn(data); } catch (e) { console.error(e); }
    });
  let element: HTMLElement | undefined;
  let app: Promise<AppHandle> | undefined;
  let resolveHost: (host: Host) => void;
  const hostReady = new Promise<Host>((resolve) => (resolveHost = resolve));
  const load = () =>
    (app ||= hostReady.then(async (host) => (await import(base + "widget/" + __APP_FILE__)).mount(host)));

  w.Switchboard = {
    open: () => load().then((a) => a.open()),
    close: () => app?.then((a) => a.close()),
    identify: (identity: object) => load().then((a) => a.identify(identity)),
    on(event: string, fn: (data: unknown) => void) {
      (listeners[event] ||= new Set()).add(fn);
      return () => listeners[event].delete(fn);
    },
    destroy() {
      app?.then((a) => a.destroy());
      element?.remove();
      delete w.Switchboard;
      for (const event in listeners) delete listeners[event];
    },
  };

  const draw = (config: WidgetConfig) => {
    if (!w.Switchboard) return; // destroyed meanwhile
    element = document.createElement("switchboard-widget");
    element.style.cssText = `all:initial;--p:${config.colors.primary};--s:${config.colors.secondary}`;
    element.dataset.side = config.side;
    const root = element.attachShadow({ mode: "open" });
    root.innerHTML =
      `<style>${CSS}</style><button class="b" aria-expanded="false" aria-haspopup="dialog" aria-describedby="u">` +
      `<svg class="c" viewBox="0 0 24 24" aria-hidden="true">${CHAT_ICON}</svg>` +
      `<svg class="x" viewBox="0 0 24 24" aria-hidden="true">${CLOSE_ICON}</svg>` +
      `<span class="n" aria-hidden="true" hidden></span></button><span id="u" hidden></span>`;
    const bubble = root.querySelector("button")!;
    const badge = root.querySelector(".n") as HTMLElement;
    const unreadText = root.getElementById("u")!;
    bubble.setAttribute("aria-label", labels[0]);
    bubble.onclick = () => load().then((a) => a.toggle());
    document.body.append(element);
    const host: Host = {
      base, siteKey, config, lang, root, bubble, emit,
      setOpen(open) {
        bubble.setAttribute("aria-label", labels[open ? 1 : 0]);
        bubble.setAttribute("aria-expanded", String(open));
        bubble.classList.toggle("o", open);
        emit(open ? "open" : "close");
      },
      setUnread(count) {
        badge.hidden = !count;
        badge.textContent = count > 99 ? "99+" : String(count);
        unreadText.textContent = count ? labels[2].replace("%", String(count)) : "";
        emit("unread", count);
      },
    };
    resolveHost(host);
    performance.mark("switchboard:bubble");
    emit("ready");
    try {
      const saved = localStorage.getItem(STORAGE_PREFIX + siteKey);
      if (saved && saved.includes('"conversation":"')) (window.requestIdleCallback || setTimeout)(() => load());
    } catch { /* storage blocked: a returning visitor just reconnects on open */ }
  };

  fetch(`${base}api/v1/widgets/${encodeURIComponent(siteKey)}/config`, { cache: "no-cache" })
    .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`config: HTTP ${r.status}`))))
    .then((config: WidgetConfig) => {
      if (document.body) draw(config);
      else document.addEventListener("DOMContentLoaded", () => draw(config));
    })
    .catch((e) => console.warn("Switchboard: the widget is not available here", e));
})();
