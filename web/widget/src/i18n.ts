// The chat's strings. Another language: add a table with the same keys (the type checks it)
// and its tag in loader.ts's pickLang. "%" stands for the one argument.
import type { Lang } from "./host";

const en = {
  minimize: "Minimize chat",
  messages: "Messages",
  message: "Message",
  send: "Send",
  attach: "Attach a file",
  startChat: "Start chat",
  queue: "You are number % in the queue",
  replies: "Quick replies",
  connecting: "Connecting…",
  offline: "Offline",
  endChat: "End chat",
  sound: "Sound",
  today: "Today",
  yesterday: "Yesterday",
  typing: "% is typing…",
  someone: "Someone",
  joined: "% joined the chat",
  waiting: "Waiting for an agent…",
  ended: "Chat ended",
  chattingWith: "You are chatting with %",
  you: "You",
  pending: "Sending",
  sent: "Delivered",
  read: "Read",
  failed: "Not sent",
  retry: "Retry",
  rate_limited: "You are sending messages too quickly. Wait a moment, then retry.",
  too_large: "That is too large.",
  bad_request: "That was not accepted.",
  required: "Please fill this in.",
  uploading: "Uploading %",
  uploadFailed: "The upload failed: %",
  file: "File",
  ai: "AI",
  live: "Live support",
  person: "A person will answer you here.",
};

export type Strings = typeof en;

const de: Strings = {
  minimize: "Chat minimieren",
  messages: "Nachrichten",
  message: "Nachricht",
  send: "Senden",
  attach: "Datei anhängen",
  startChat: "Chat starten",
  queue: "Sie sind Nummer % in der Warteschlange",
  replies: "Schnellantworten",
  connecting: "Verbinde…",
  offline: "Offline",
  endChat: "Chat beenden",
  sound: "Ton",
  today: "Heute",
  yesterday: "Gestern",
  typing: "% schreibt…",
  someone: "Jemand",
  joined: "% ist dem Chat beigetreten",
  waiting: "Warten auf eine Mitarbeiterin oder einen Mitarbeiter…",
  ended: "Chat beendet",
  chattingWith: "Sie chatten mit %",
  you: "Sie",
  pending: "Wird gesendet",
  sent: "Zugestellt",
  read: "Gelesen",
  failed: "Nicht gesendet",
  retry: "Erneut senden",
  rate_limited: "Sie senden zu schnell. Warten Sie kurz und senden Sie dann erneut.",
  too_large: "Das ist zu groß.",
  bad_request: "Das wurde nicht angenommen.",
  required: "Bitte ausfüllen.",
  uploading: "%: wird hochgeladen",
  uploadFailed: "Hochladen fehlgeschlagen: %",
  file: "Datei",
  ai: "KI",
  live: "Live-Support",
  person: "Hier antwortet Ihnen ein Mensch.",
};

const tables: Record<Lang, Strings> = { en, de };

export type Translate = (key: keyof Strings, arg?: string | number) => string;

export function translator(lang: Lang): Translate {
  const table = tables[lang];
  return (key, arg) => table[key].replace("%", String(arg ?? ""));
}
