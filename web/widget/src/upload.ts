// POST /api/v1/files?site_key=K with the raw bytes (docs/protocol.md, "Files and attachments").
// XMLHttpRequest rather than fetch: only it reports upload progress.
import type { Attachment } from "./client-types";

export class UploadError extends Error {
  constructor(readonly code: string, message: string) { super(message); }
}

export function upload(endpoint: string, file: File, visitorToken: string, onProgress: (fraction: number) => void): Promise<Attachment> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", endpoint);
    xhr.setRequestHeader("Content-Type", file.type || "application/octet-stream");
    xhr.setRequestHeader("X-Filename", encodeURIComponent(file.name));
    xhr.setRequestHeader("X-Visitor-Token", visitorToken);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => {
      let body: any;
      try { body = JSON.parse(xhr.responseText); } catch { body = {}; }
      if (xhr.status === 201) resolve(body);
      else reject(new UploadError(body.error?.code ?? "internal", body.error?.message ?? `HTTP ${xhr.status}`));
    };
    xhr.onerror = () => reject(new UploadError("unavailable", "network error"));
    xhr.send(file);
  });
}
