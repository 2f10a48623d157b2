// The message box: Enter sends (Shift+Enter is a new line), typing signals while writing,
// and attachments uploaded with a progress bar (and a preview of images) before they are sent.
import type { Attachment } from "./client-types";
import { h, icon, ICONS } from "./dom";
import type { Translate } from "./i18n";
import { UploadError } from "./upload";

export interface ComposerActions {
  send(text: string): void;
  typing(on: boolean): void;
  upload(file: File, onProgress: (fraction: number) => void): Promise<Attachment>;
  sendAttachment(attachment: Attachment): void;
}

const TYPING_REFRESH_MS = 5_000; // the server turns typing off itself 10 s after the last "on"
const TYPING_IDLE_MS = 3_000;
const UPLOAD_ERROR_SHOWN_MS = 8_000;

export class Composer {
  readonly el: HTMLElement;
  readonly input: HTMLTextAreaElement;
  private readonly uploads = h("ul", { class: "ups" });
  private readonly picker: HTMLInputElement;
  private typingSince = 0;
  private idleTimer?: ReturnType<typeof setTimeout>;

  constructor(private readonly t: Translate, private readonly actions: ComposerActions) {
    this.input = h("textarea", { rows: 1, maxlength: 4000, "aria-label": t("message"), placeholder: t("message") });
    this.input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        this.submit();
      }
    });
    this.input.addEventListener("input", () => this.onInput());
    this.picker = h("input", { type: "file", multiple: true, hidden: true, tabindex: -1 });
    this.picker.addEventListener("change", () => {
      for (const file of this.picker.files ?? []) this.uploadFile(file);
      this.picker.value = "";
    });
    const attach = h("button", { type: "button", class: "ic", "aria-label": t("attach"), onclick: () => this.picker.click() }, icon(ICONS.attach));
    const send = h("button", { type: "submit", class: "ic", "aria-label": t("send") }, icon(ICONS.send));
    const form = h("form", { class: "compose", onsubmit: (e: Event) => { e.preventDefault(); this.submit(); } }, attach, this.input, send, this.picker);
    this.el = h("div", {}, this.uploads, form);
  }

  private submit(): void {
    const text = this.input.value.trim();
    if (!text) return;
    this.actions.send(text);
    this.input.value = "";
    this.resize();
    this.stopTyping();
    this.input.focus();
  }

  private onInput(): void {
    this.resize();
    clearTimeout(this.idleTimer);
    if (!this.input.value.trim()) return this.stopTyping();
    const now = Date.now();
    if (now - this.typingSince > TYPING_REFRESH_MS) {
      this.typingSince = now;
      this.actions.typing(true);
    }
    this.idleTimer = setTimeout(() => this.stopTyping(), TYPING_IDLE_MS);
  }

  private stopTyping(): void {
    clearTimeout(this.idleTimer);
    if (!this.typingSince) return;
    this.typingSince = 0;
    this.actions.typing(false);
  }

  private resize(): void {
    this.input.style.height = "auto";
    this.input.style.height = `${Math.min(this.input.scrollHeight, 120)}px`;
  }

  private uploadFile(file: File): void {
    const progress = h("progress", { max: 1, value: 0, "aria-label": this.t("uploading", file.name) });
    const preview = file.type.startsWith("image/") ? h("img", { src: URL.createObjectURL(file), alt: "" }) : null;
    const row = h("li", {}, preview, h("span", {}, file.name), progress);
    this.uploads.append(row);
    const done = () => preview && URL.revokeObjectURL(preview.src);
    this.actions
      .upload(file, (fraction) => (progress.value = fraction))
      .then((attachment) => {
        done();
        row.remove();
        this.actions.sendAttachment(attachment);
      })
      .catch((e: unknown) => {
        done();
        const code = e instanceof UploadError ? e.code : "internal";
        const reason = code === "too_large" || code === "bad_request" || code === "rate_limited" ? this.t(code) : String((e as Error).message);
        row.replaceChildren(h("span", { class: "err", role: "alert" }, this.t("uploadFailed", `${file.name}: ${reason}`)));
        setTimeout(() => row.remove(), UPLOAD_ERROR_SHOWN_MS);
      });
  }
}
