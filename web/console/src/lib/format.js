// Display formatting for the console: times, durations, sizes, counts. Pure; every function
// takes `now`, the locale and the zone explicitly where they matter, so tests are deterministic.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

function dayKey(ts, timeZone) {
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(ts);
}

/** "14:05" today, "Yesterday 14:05", "3 Dec 14:05" this year, "3 Dec 2025" before. */
export function formatMessageTime(ts, now = Date.now(), { locale, timeZone } = {}) {
  const time = new Intl.DateTimeFormat(locale, { timeZone, hour: "2-digit", minute: "2-digit" }).format(ts);
  const day = dayKey(ts, timeZone);
  if (day === dayKey(now, timeZone)) return time;
  if (day === dayKey(now - DAY, timeZone)) return `Yesterday ${time}`;
  const sameYear = day.slice(0, 4) === dayKey(now, timeZone).slice(0, 4);
  const date = new Intl.DateTimeFormat(locale, {
    timeZone, day: "numeric", month: "short", ...(sameYear ? {} : { year: "numeric" }),
  }).format(ts);
  return sameYear ? `${date} ${time}` : date;
}

/** A day separator label: "Today", "Yesterday" or a full date. */
export function formatDayLabel(ts, now = Date.now(), { locale, timeZone } = {}) {
  const day = dayKey(ts, timeZone);
  if (day === dayKey(now, timeZone)) return "Today";
  if (day === dayKey(now - DAY, timeZone)) return "Yesterday";
  return new Intl.DateTimeFormat(locale, { timeZone, weekday: "long", day: "numeric", month: "long", year: "numeric" }).format(ts);
}

/** True when two timestamps fall on different local days (a separator goes between them). */
export function isNewDay(prevTs, ts, timeZone) {
  return prevTs == null || dayKey(prevTs, timeZone) !== dayKey(ts, timeZone);
}

/** Compact age for list rows: "now", "5m", "2h", "3d". */
export function formatAge(ts, now = Date.now()) {
  const d = Math.max(0, now - ts);
  if (d < MINUTE) return "now";
  if (d < HOUR) return `${Math.floor(d / MINUTE)}m`;
  if (d < DAY) return `${Math.floor(d / HOUR)}h`;
  return `${Math.floor(d / DAY)}d`;
}

/** A latency or duration: "—" when unknown, "850 ms", "42 s", "3 min 20 s", "1 h 5 min". */
export function formatDuration(ms) {
  if (ms == null || !Number.isFinite(ms)) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
}

export function formatBytes(n) {
  if (n == null) return "";
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

export function formatCount(n, locale) {
  return n == null ? "—" : new Intl.NumberFormat(locale).format(n);
}

export function formatPercent(rate, locale) {
  if (rate == null || !Number.isFinite(rate)) return "—";
  return new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 1 }).format(rate);
}

/** Up to two initials for an avatar: "Alice Martin" -> "AM". */
export function initials(name) {
  const words = String(name || "?").trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0], words[words.length - 1]] : words;
  return letters.map((w) => [...w][0].toUpperCase()).join("") || "?";
}

/** The name staff see for a visitor: identified name, else email, else a short id. */
export function visitorDisplayName(visitor) {
  if (!visitor) return "Visitor";
  if (visitor.name && visitor.name !== "Visitor") return visitor.name;
  if (visitor.email) return visitor.email;
  return visitor.id ? `Visitor ${visitor.id.slice(-4)}` : "Visitor";
}

/** A flag-free country label: ISO code to a localized name where the browser knows it. */
export function countryName(code, locale) {
  if (!code || code === "unknown") return "Unknown";
  try {
    return new Intl.DisplayNames(locale ? [locale] : undefined, { type: "region" }).of(code.toUpperCase()) || code;
  } catch {
    return code;
  }
}
