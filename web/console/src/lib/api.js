// The HTTP API (/api/v1, same origin) for the console: JSON in and out, the session's bearer
// token, errors as ApiError with the server's code (and `node`, the flow node a 400 names). A 401 on any call ends the session (the
// app goes back to the login screen with a message), whatever screen made the call.

export class ApiError extends Error {
  constructor(status, code, message, retryAfter, node) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
    this.node = node;
  }
}

export function createApi({ base = "/api/v1", getToken, onUnauthorized, fetchImpl = globalThis.fetch.bind(globalThis) }) {
  async function request(method, path, { body, query, headers = {}, raw = false, signal } = {}) {
    let url = base + path;
    if (query) {
      const qs = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== "") qs.set(k, String(v));
      const s = qs.toString();
      if (s) url += (url.includes("?") ? "&" : "?") + s;
    }
    const token = getToken();
    const h = { ...headers };
    if (token) h.Authorization = `Bearer ${token}`;
    let payload = body;
    if (body !== undefined && !(body instanceof Blob) && !(body instanceof ArrayBuffer)) {
      h["Content-Type"] = "application/json";
      payload = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetchImpl(url, { method, headers: h, body: payload, signal });
    } catch (e) {
      if (e?.name === "AbortError") throw e;
      throw new ApiError(0, "network", "The server cannot be reached. Check your connection.");
    }
    if (res.status === 401 && token) onUnauthorized?.("Your session has expired. Please sign in again.");
    if (!res.ok) {
      let code = "http_error";
      let message = `HTTP ${res.status}`;
      let node;
      try {
        const j = await res.json();
        code = j.error?.code ?? code;
        message = j.error?.message ?? message;
        node = j.error?.node || undefined;
      } catch {
        // not JSON: keep the status line
      }
      throw new ApiError(res.status, code, message, res.headers.get("Retry-After"), node);
    }
    if (raw) return res;
    const text = await res.text();
    return text ? JSON.parse(text) : null;
  }

  return {
    request,
    get: (path, query, opts) => request("GET", path, { ...opts, query }),
    post: (path, body) => request("POST", path, { body: body ?? {} }),
    put: (path, body) => request("PUT", path, { body }),
    patch: (path, body) => request("PATCH", path, { body }),
    del: (path) => request("DELETE", path),
  };
}

/**
 * Uploads one file (POST /files, raw body) with progress; resolves to {id, url, name, ...}.
 * XMLHttpRequest because fetch reports no upload progress.
 */
export function uploadFile(file, { token, onProgress, base = "/api/v1" }) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `${base}/files`);
    xhr.setRequestHeader("Authorization", `Bearer ${token}`);
    xhr.setRequestHeader("Content-Type", file.type || "application/octet-stream");
    xhr.setRequestHeader("X-Filename", encodeURIComponent(file.name));
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress?.(e.loaded / e.total);
    xhr.onerror = () => reject(new ApiError(0, "network", "Upload failed: the server cannot be reached."));
    xhr.onload = () => {
      let j = null;
      try {
        j = JSON.parse(xhr.responseText);
      } catch {
        // fall through to the status
      }
      if (xhr.status >= 200 && xhr.status < 300 && j) resolve(j);
      else reject(new ApiError(xhr.status, j?.error?.code, j?.error?.message ?? `Upload failed (HTTP ${xhr.status})`));
    };
    xhr.send(file);
  });
}

/** Pages through a list endpoint ({items, next_cursor}) calling `onPage` per page. */
export async function forEachPage(api, path, query, onPage, { maxPages = 50, signal } = {}) {
  let cursor = query.cursor;
  for (let i = 0; i < maxPages; i++) {
    const page = await api.get(path, { ...query, cursor }, { signal });
    onPage(page.items ?? []);
    cursor = page.next_cursor;
    if (!cursor) return;
  }
}
