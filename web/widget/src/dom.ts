// A small element builder for the chat (no framework: the widget has no runtime dependencies).

type Child = Node | string | null | undefined | false;
type Props = Record<string, string | number | boolean | EventListener | undefined>;

// `on<event>` props become listeners, `class` the class name, booleans toggle an attribute,
// everything else is an attribute.
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === false) continue;
    if (typeof value === "function") element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  element.append(...(children.filter(Boolean) as (Node | string)[]));
  return element;
}

// An inline icon (decorative: the control around it carries the name).
export function icon(path: string): HTMLElement {
  const span = h("span", { class: "i", "aria-hidden": "true" });
  span.innerHTML = `<svg viewBox="0 0 24 24">${path}</svg>`;
  return span;
}

export const ICONS = {
  send: '<path d="M3 20l18-8L3 4v6l12 2-12 2z"/>',
  attach:
    '<path d="M16 6l-8 8a2 2 0 003 3l8-8a4 4 0 00-6-6l-8 8a6 6 0 009 9l7-7" fill="none" stroke="currentColor" stroke-width="2"/>',
  bell: '<path d="M12 22a2 2 0 002-2h-4a2 2 0 002 2zm6-6V11a6 6 0 00-5-6V4a1 1 0 00-2 0v1a6 6 0 00-5 6v5l-2 2v1h16v-1z"/>',
  minimize: '<path d="M6 9l6 6 6-6" fill="none" stroke="currentColor" stroke-width="2.4"/>',
};
