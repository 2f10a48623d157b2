// Client-side routes under /console/ (the server answers every extension-less path below it
// with index.html). History API; `navigate` pushes and notifies every `useRoute`.
import { useEffect, useState } from "preact/hooks";

export const BASE = "/console";
const CHANGE = "switchboard:navigate";

/** @returns {{page: "inbox", conversationId: string|null} | {page: "dashboard"} | {page: "settings", section: string|null}} */
export function parseRoute(pathname) {
  const rest = pathname.startsWith(BASE) ? pathname.slice(BASE.length) : pathname;
  const [page = "", arg = null] = rest.split("/").filter(Boolean);
  if (page === "dashboard") return { page: "dashboard" };
  if (page === "settings") return { page: "settings", section: arg };
  return { page: "inbox", conversationId: page === "inbox" ? arg : null };
}

export function navigate(path, { replace = false } = {}) {
  if (path === location.pathname) return;
  history[replace ? "replaceState" : "pushState"](null, "", path);
  window.dispatchEvent(new Event(CHANGE));
}

export function useRoute() {
  const [route, setRoute] = useState(() => parseRoute(location.pathname));
  useEffect(() => {
    const update = () => setRoute(parseRoute(location.pathname));
    window.addEventListener("popstate", update);
    window.addEventListener(CHANGE, update);
    return () => {
      window.removeEventListener("popstate", update);
      window.removeEventListener(CHANGE, update);
    };
  }, []);
  return route;
}

/** onClick for in-app links: plain clicks navigate in place, modified clicks keep the browser's way. */
export function linkClick(event) {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const href = event.currentTarget.getAttribute("href");
  if (!href?.startsWith(BASE)) return;
  event.preventDefault();
  navigate(href);
}
