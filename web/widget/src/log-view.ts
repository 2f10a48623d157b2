// The conversation log (role log "Messages"): messages and status notes in seq order, a day
// separator before each day's first row, times, delivery and read ticks, attachments with
// image previews. Rows are only ever inserted or updated in place, never re-rendered, so the
// live region announces each new message once.
import type { Attachment, ChatMessage, StatusChange } from "./client-types";
import { h } from "./dom";
import type { Translate } from "./i18n";

interface Row { key: string; order: number; day: string; el: HTMLElement; sep?: HTMLElement }

const TICKS = { pending: "◷", sent: "✓", read: "✓✓", failed: "!" };

export class LogView {
  readonly el: HTMLElement;
  private readonly list = h("ul");
  private readonly intro = h("p", { class: "intro" });
  private readonly rows: Row[] = [];
  private readonly byKey = new Map<string, Row>();
  private readonly time: Intl.DateTimeFormat;
  private readonly date: Intl.DateTimeFormat;
  private ids = 0;

  constructor(
    private readonly t: Translate,
    lang: string,
    private readonly fileUrl: (a: Attachment) => string,
    private readonly onRetry: (key: string) => void,
  ) {
    this.el = h("div", { class: "log", role: "log", "aria-label": t("messages"), tabindex: 0 }, this.intro, this.list);
    this.time = new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit" });
    this.date = new Intl.DateTimeFormat(lang, { weekday: "long", day: "numeric", month: "long" });
  }

  setIntro(text: string): void { this.intro.textContent = text; }

  message(m: ChatMessage): void {
    const row = this.byKey.get(m.key);
    const el = row?.el ?? h("li");
    el.className = `m ${m.mine ? "me" : m.sender.kind === "system" ? "sys" : "them"}`;
    // A streamed reply is busy: the live region announces it once, when its message replaces it.
    el.ariaBusy = m.streaming ? "true" : null;
    el.setAttribute("aria-label", m.text || m.attachments.map((a) => a.name).join(", ") || this.t("file"));
    const metaId = el.getAttribute("aria-describedby") || `d${++this.ids}`;
    el.setAttribute("aria-describedby", metaId);
    el.replaceChildren(...this.body(m, metaId));
    this.place(m.key, m.order, m.ts, el, row);
  }

  note(change: StatusChange, text: string): void {
    if (this.byKey.has(change.key)) return;
    this.place(change.key, change.order, change.ts, h("li", { class: "note" }, text));
  }

  // Takes a row out (a streamed reply that got no message).
  drop(key: string): void {
    const row = this.byKey.get(key);
    if (!row) return;
    const i = this.rows.indexOf(row);
    this.byKey.delete(key);
    this.rows.splice(i, 1);
    row.sep?.remove();
    row.el.remove();
    row.sep = undefined;
    if (this.rows[i]) this.syncSeparator(this.rows[i], this.rows[i - 1]);
  }

  scrollToEnd(): void { this.el.scrollTop = this.el.scrollHeight; }

  private body(m: ChatMessage, metaId: string): (Node | string)[] {
    const name = m.mine ? this.t("you") : m.sender.name || "";
    const meta = h("p", { class: "meta", id: metaId }, [name, this.time.format(m.ts)].filter(Boolean).join(" · "));
    if (m.delivery) meta.append(" ", h("span", { "aria-hidden": "true" }, TICKS[m.delivery]), h("span", { class: "sr" }, this.t(m.delivery)));
    const parts: (Node | string)[] = [];
    if (m.text) parts.push(h("p", { class: "text" }, m.text));
    for (const a of m.attachments) parts.push(this.attachment(a));
    parts.push(meta);
    if (m.delivery === "failed") {
      const reason = m.error === "rate_limited" || m.error === "too_large" ? this.t(m.error) : this.t("bad_request");
      parts.push(h("p", { class: "err" }, reason, " ", h("button", { type: "button", onclick: () => this.onRetry(m.key) }, this.t("retry"))));
    }
    return parts;
  }

  private attachment(a: Attachment): HTMLElement {
    const href = a.url ? this.fileUrl(a) : undefined;
    const label = `${a.name ?? this.t("file")}${a.size ? ` (${formatSize(a.size)})` : ""}`;
    if (href && a.content_type?.startsWith("image/"))
      return h("a", { class: "att", href, target: "_blank", rel: "noopener" }, h("img", { src: href, alt: a.name ?? "", loading: "lazy" }));
    return h("a", { class: "att file", href, target: "_blank", rel: "noopener" }, label);
  }

  // Puts a row where its order belongs (a new one, or an updated one whose order changed).
  private place(key: string, order: number, ts: number, el: HTMLElement, row?: Row): void {
    const day = new Date(ts).toDateString();
    if (row) {
      const i = this.rows.indexOf(row);
      const inPlace = (i === 0 || this.rows[i - 1].order <= order) && (i === this.rows.length - 1 || order <= this.rows[i + 1].order);
      if (inPlace) {
        Object.assign(row, { order, day });
        this.syncSeparator(row, this.rows[i - 1]);
        if (this.rows[i + 1]) this.syncSeparator(this.rows[i + 1], row);
        return;
      }
      this.drop(key);
    }
    const placed: Row = row ?? { key, order, day, el };
    Object.assign(placed, { order, day });
    this.byKey.set(key, placed);
    let i = this.rows.length;
    while (i > 0 && this.rows[i - 1].order > order) i--;
    const next = this.rows[i];
    this.rows.splice(i, 0, placed);
    this.list.insertBefore(el, next ? next.sep ?? next.el : null);
    this.syncSeparator(placed, this.rows[i - 1]);
    if (next) this.syncSeparator(next, placed);
  }

  private syncSeparator(row: Row, previous?: Row): void {
    const wanted = !previous || previous.day !== row.day;
    if (wanted && !row.sep) {
      row.sep = h("li", { class: "day" }, this.dayLabel(row.day));
      this.list.insertBefore(row.sep, row.el);
    } else if (!wanted && row.sep) {
      row.sep.remove();
      row.sep = undefined;
    }
  }

  private dayLabel(day: string): string {
    const today = new Date();
    if (day === today.toDateString()) return this.t("today");
    today.setDate(today.getDate() - 1);
    if (day === today.toDateString()) return this.t("yesterday");
    return this.date.format(new Date(day));
  }
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1048576) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / 1048576).toFixed(1)} MB`;
}
