// Attachments in the timeline. Files are served to staff only with the Bearer token (no cookie,
// no token in the URL), so images are fetched and shown from blob: URLs, and other files are
// downloaded the same way when clicked.
import { useEffect, useState } from "preact/hooks";
import { useConsole } from "../app/context.js";
import { formatBytes } from "../lib/format.js";

async function fetchBlob(url, token) {
  const res = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return res.blob();
}

function useBlobUrl(url, token) {
  const [state, setState] = useState({ src: null, error: false });
  useEffect(() => {
    let live = true;
    let objectUrl = null;
    fetchBlob(url, token).then(
      (blob) => {
        objectUrl = URL.createObjectURL(blob);
        if (live) setState({ src: objectUrl, error: false });
        else URL.revokeObjectURL(objectUrl);
      },
      () => live && setState({ src: null, error: true }),
    );
    return () => {
      live = false;
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [url, token]);
  return state;
}

function ImageAttachment({ a, token }) {
  const { src, error } = useBlobUrl(a.url, token);
  if (error) return <span class="attachment-error">{a.name}: could not be loaded</span>;
  if (!src) return <span class="attachment-image loading" role="status">Loading {a.name}…</span>;
  return (
    <a class="attachment-image" href={src} target="_blank" rel="noopener" title={`Open ${a.name}`}>
      <img src={src} alt={a.name} loading="lazy" />
    </a>
  );
}

function FileAttachment({ a, token }) {
  const [busy, setBusy] = useState(false);
  const download = async () => {
    setBusy(true);
    try {
      const href = URL.createObjectURL(await fetchBlob(a.url, token));
      const link = document.createElement("a");
      link.href = href;
      link.download = a.name;
      link.click();
      setTimeout(() => URL.revokeObjectURL(href), 10_000);
    } finally {
      setBusy(false);
    }
  };
  return (
    <button type="button" class="attachment-file" onClick={download} disabled={busy}>
      <span class="file-icon" aria-hidden="true">⬇</span>
      <span>{a.name}</span>
      <small>{formatBytes(a.size)}</small>
    </button>
  );
}

export function Attachments({ items }) {
  const { token } = useConsole();
  if (!items?.length) return null;
  return (
    <div class="attachments">
      {items.map((a) =>
        a.content_type?.startsWith("image/") && a.url ? <ImageAttachment key={a.id} a={a} token={token} /> : <FileAttachment key={a.id} a={a} token={token} />,
      )}
    </div>
  );
}
