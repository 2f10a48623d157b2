// The chat panel (widget/app-<hash>.js), loaded by widget.js on the first open or API call.
// It owns the protocol client and ties it to the views: log, composer or prechat form, the
// connection and queue status lines, unread count, sound, focus and keyboard.
import { VisitorClient } from "./client";
import type { Attachment, ChatMessage, ClientEvent, QuickReply, Saved, StatusChange } from "./client-types";
import { Composer } from "./composer";
import { h, icon, ICONS } from "./dom";
import { STORAGE_PREFIX, type AppHandle, type Host, type Identity } from "./host";
import { translator } from "./i18n";
import { LogView } from "./log-view";
import { prechatForm } from "./prechat";
import { QuickReplies } from "./quick-replies";
import { chime } from "./sound";
import { PANEL_CSS } from "./styles";
import { upload } from "./upload";

const TYPING_SHOWN_MS = 12_000; // the server sends typing off after 10 s; this is a fallback
const CHIME_GAP_MS = 2_000;

function storage(key: string) {
  return {
    read: (): any => { try { return JSON.parse(localStorage.getItem(key) || "null"); } catch { return null; } },
    write: (value: unknown) => { try { localStorage.setItem(key, JSON.stringify(value)); } catch { /* full or blocked */ } },
  };
}

export function mount(host: Host): AppHandle {
  const { config, root, lang } = host;
  const t = translator(lang);
  const state = storage(STORAGE_PREFIX + host.siteKey);
  const soundPref = storage(STORAGE_PREFIX + host.siteKey + ":sound");
  let opened = false;
  let everOpened = false;
  let unread = 0;
  let soundOn = soundPref.read() === true;
  let lastChime = 0;
  let typingTimer: ReturnType<typeof setTimeout> | undefined;
  const announced = new Set<string>(); // messages already reported by the "message" event
  const typedHere = new Set<string>(); // the visitor's messages sent from this page

  const fileUrl = (a: Attachment) => {
    const url = new URL(a.url!, host.base);
    url.searchParams.set("site_key", host.siteKey);
    if (client.token) url.searchParams.set("visitor_token", client.token);
    return url.href;
  };
  const log = new LogView(t, lang, fileUrl, (key) => client.retry(key));
  const connection = h("p", { class: "line", role: "status" });
  const queue = h("p", { class: "line", role: "status", hidden: true });
  const typing = h("p", { class: "typing", "aria-live": "polite" });
  // A bot's quick replies, at the end of the log while its message is the latest (quick-replies.ts).
  const replies = h("div", { class: "qr", role: "group", "aria-label": t("replies"), hidden: true });
  const quick = new QuickReplies();
  let shownReplies: QuickReply[] = [];
  const subtitle = h("p", { class: "sub" });
  const soundButton = h("button", { type: "button", class: "ic", "aria-label": t("sound"), "aria-pressed": String(soundOn) }, icon(ICONS.bell));
  const endButton = h("button", { type: "button", class: "end", hidden: true }, t("endChat"));
  const minimize = h("button", { type: "button", class: "ic", "aria-label": t("minimize") }, icon(ICONS.minimize));
  const footer = h("div", { class: "foot" });
  const header = h("div", { class: "hd" }, h("div", { class: "ht" }, h("h2", { id: "ttl" }, config.title), subtitle), soundButton, endButton, minimize);
  const body = [connection, queue, log.el, typing, footer];
  // An AI bot: tabs "AI" and "Live support" over the one conversation; Live support escalates.
  let status = ""; // of the current conversation
  const withPerson = () => status === "waiting" || status === "active";
  const tabs = config.bot?.ai
    ? [t("ai"), t("live")].map((name, i) => h("button", { type: "button", role: "tab", id: `t${i}`, "aria-controls": "tp", onclick: () => pick(i, true) }, name))
    : [];
  const tabPanel = h("div", { class: "tp", role: "tabpanel", id: "tp" }, ...body);
  function pick(i: number, clicked?: boolean): void {
    if (clicked && !withPerson()) {
      client.wantsHuman = !!i; // no conversation yet (or it ended): escalate the next one
      if (i && status === "bot") client.escalate();
    }
    if (withPerson()) i = 1;
    // Both tabs stay in the Tab order (no arrow keys: the widget's size budget); Enter picks one.
    tabs.forEach((tab, j) => tab.setAttribute("aria-selected", String(i === j)));
    tabPanel.setAttribute("aria-labelledby", `t${i}`);
    if (status !== "active") subtitle.textContent = i ? t("person") : "";
  }
  const panel = h("div", { class: "w", role: "dialog", "aria-labelledby": "ttl", hidden: true }, header);
  if (tabs.length)
    panel.append(h("div", { role: "tablist" }, ...tabs), tabPanel);
  else panel.append(...body);
  log.el.append(replies);
  root.append(h("style", {}, PANEL_CSS), panel);

  const saved: Saved = state.read() ?? {};
  const client = new VisitorClient({
    url: `${host.base.replace(/^http/, "ws")}ws/visitor?site_key=${encodeURIComponent(host.siteKey)}`,
    WebSocket, setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (id) => clearTimeout(id),
    random: Math.random, now: Date.now, saved, save: state.write, onEvent,
  });

  pick(0);

  const composer = new Composer(t, {
    send: (text) => client.send(text),
    typing: (on) => client.typing(on),
    upload: (file, onProgress) =>
      upload(`${host.base}api/v1/files?site_key=${encodeURIComponent(host.siteKey)}`, file, client.token ?? "", onProgress),
    sendAttachment: (a) => client.send("", [a]),
  });
  const needsPrechat = config.prechat.enabled && config.prechat.fields.length > 0 && !client.isIdentified && !saved.conversation;
  const prechat = needsPrechat ? prechatForm(t, config.prechat.fields, (identity) => client.identify(identity), showComposer) : undefined;
  footer.append(prechat?.el ?? composer.el);

  function showComposer(): void {
    if (footer.contains(composer.el)) return;
    footer.replaceChildren(composer.el);
    if (opened) composer.input.focus();
  }

  function setLine(el: HTMLElement, text: string): void {
    el.hidden = !text;
    el.textContent = text;
    if (text) el.setAttribute("aria-label", text);
    else el.removeAttribute("aria-label");
  }

  function visible(): boolean { return opened && document.visibilityState === "visible"; }

  function setUnread(count: number): void {
    if (count === unread) return;
    unread = count;
    host.setUnread(count);
  }

  function onEvent(e: ClientEvent): void {
    switch (e.type) {
      case "state":
        setLine(connection, e.state === "online" ? "" : t(e.state));
        return;
      case "welcome":
        log.setIntro(e.open ? config.welcome_message : config.offline_message);
        if (client.conversation) showComposer();
        if (visible()) client.markRead();
        return;
      case "message":
        return onMessage(e.message, !!e.unseen);
      case "status":
        return onStatus(e.change);
      case "drop":
        return log.drop(e.key);
      case "queue":
        setLine(queue, e.position ? t("queue", e.position) : "");
        return;
      case "typing":
        clearTimeout(typingTimer);
        typing.textContent = e.on ? t("typing", e.sender.name || t("someone")) : "";
        if (e.on) typingTimer = setTimeout(() => (typing.textContent = ""), TYPING_SHOWN_MS);
    }
  }

  // A pick goes the composer's way (outbox, ack, dedupe by client_msg_id), and hides the replies.
  function showReplies(picks: QuickReply[]): void {
    if (picks === shownReplies) return;
    shownReplies = picks;
    const hadFocus = replies.contains(root.activeElement);
    replies.replaceChildren(...picks.map((b) => h("button", { type: "button", onclick: () => client.send(b.value) }, b.label)));
    replies.hidden = picks.length === 0;
    if (hadFocus) composer.input.focus();
  }

  function onMessage(m: ChatMessage, unseen: boolean): void {
    const atEnd = log.el.scrollHeight - log.el.scrollTop - log.el.clientHeight < 40;
    log.message(m);
    showReplies(quick.message(m));
    if (atEnd || m.mine) log.scrollToEnd();
    if (m.streaming) return;
    if (m.seq === undefined) typedHere.add(m.key);
    // Report each new message once: not the history a reload replays.
    if (m.seq === undefined || announced.has(m.key) || !(m.mine ? typedHere.has(m.key) : unseen)) return;
    announced.add(m.key);
    host.emit("message", { text: m.text, sender: m.sender, ts: m.ts, mine: m.mine, attachments: m.attachments });
    if (m.mine) return;
    if (m.sender.kind !== "system") typing.textContent = "";
    if (visible()) return client.markRead();
    setUnread(unread + 1);
    if (soundOn && Date.now() - lastChime > CHIME_GAP_MS) {
      lastChime = Date.now();
      chime();
    }
  }

  function onStatus(change: StatusChange): void {
    const name = change.agent?.name || t("someone");
    const note = change.status === "active" ? t("joined", name) : change.status === "closed" ? t("ended") : change.status === "waiting" ? t("waiting") : "";
    if (note) log.note(change, note);
    showReplies(quick.status(change));
    if (change.conversation !== client.conversation) return;
    status = change.status;
    subtitle.textContent = status === "active" ? t("chattingWith", name) : "";
    if (tabs[0] && withPerson()) pick(1);
    endButton.hidden = !withPerson() && status !== "bot";
  }

  function open(): void {
    if (opened) return;
    opened = true;
    panel.hidden = false;
    host.setOpen(true);
    if (!everOpened) {
      everOpened = true;
      client.persist();
      client.opened(location.href);
    }
    setUnread(0);
    client.markRead();
    log.scrollToEnd();
    if (prechat && footer.contains(prechat.el)) prechat.focus();
    else composer.input.focus();
  }

  function close(): void {
    if (!opened) return;
    const hadFocus = panel.contains(root.activeElement);
    opened = false;
    panel.hidden = true;
    host.setOpen(false);
    if (hadFocus) host.bubble.focus();
  }

  panel.addEventListener("keydown", (e) => {
    if (e.key !== "Escape") return;
    e.stopPropagation();
    close();
  });
  minimize.onclick = close;
  endButton.onclick = () => client.end();
  soundButton.onclick = () => {
    soundOn = !soundOn;
    soundButton.setAttribute("aria-pressed", String(soundOn));
    soundPref.write(soundOn);
  };
  const wake = () => {
    client.wake();
    if (visible()) {
      setUnread(0);
      client.markRead();
    }
  };
  window.addEventListener("online", wake);
  document.addEventListener("visibilitychange", wake);

  setLine(connection, t("connecting"));
  log.setIntro(config.welcome_message);
  client.start();

  return {
    open,
    close,
    toggle: () => (opened ? close() : open()),
    identify: (identity: Identity) => client.identify(identity).then((visitor) => (showComposer(), visitor)),
    destroy() {
      client.destroy();
      window.removeEventListener("online", wake);
      document.removeEventListener("visibilitychange", wake);
      clearTimeout(typingTimer);
    },
  };
}
