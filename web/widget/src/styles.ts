// The chat panel's styles (shadow-scoped; the bubble's are in loader.ts). Colours: --p is the
// widget's primary colour, --s the one drawn on it.
export const PANEL_CSS =
  ".w{position:fixed;bottom:88px;right:20px;z-index:2147483000;width:370px;height:min(600px,calc(100vh - 108px));" +
  "display:flex;flex-direction:column;background:#fff;color:#1a1a1a;border-radius:12px;box-shadow:0 8px 30px #0003;" +
  "overflow:hidden;font:14px/1.45 system-ui,sans-serif;text-align:left}" +
  ":host([data-side=left]) .w{right:auto;left:20px}.w *{box-sizing:border-box}" +
  ".hd{display:flex;align-items:center;gap:4px;padding:10px 8px 10px 16px;background:var(--p);color:var(--s)}" +
  ".ht{flex:1;min-width:0}h2{margin:0;font-size:16px;font-weight:600}.sub{margin:0;font-size:12px}" +
  "button{font:inherit;color:inherit;cursor:pointer}" +
  ".ic{flex:none;width:36px;height:36px;border:0;border-radius:8px;background:none;display:grid;place-items:center;padding:0}" +
  ".i svg{width:20px;height:20px;fill:currentColor;display:block}[aria-pressed=false] svg{opacity:.6}" +
  ".end{border:1px solid;background:none;border-radius:6px;padding:4px 8px;font-size:12px}" +
  "button:focus-visible,.log:focus-visible,a:focus-visible{outline:2px solid var(--p);outline-offset:1px}" +
  ".hd button:focus-visible{outline-color:var(--s);outline-offset:-3px}" +
  "[role=tablist]{display:flex}[role=tab]{flex:1;border:0;background:none;padding:8px}" +
  "[aria-selected=true]{box-shadow:inset 0 -3px var(--p);font-weight:600}.tp{flex:1;display:flex;flex-direction:column;min-height:0}" +
  ".line{margin:0;padding:6px 16px;font-size:13px;background:#fff7e0;color:#5c4400}" +
  ".log{flex:1;overflow-y:auto;padding:12px 16px}" +
  ".intro{margin:0 0 12px;padding:10px 12px;background:#f1f3f5;border-radius:12px;white-space:pre-wrap}" +
  "ul{list-style:none;margin:0;padding:0;display:flex;flex-direction:column;gap:6px}" +
  ".day,.note{align-self:center;font-size:12px;color:#595959;margin:6px 0}" +
  ".m{max-width:82%;padding:8px 12px;border-radius:14px;overflow-wrap:anywhere}" +
  ".them{align-self:flex-start;background:#f1f3f5;border-bottom-left-radius:4px}" +
  ".me{align-self:flex-end;background:var(--p);color:var(--s);border-bottom-right-radius:4px}" +
  ".sys{align-self:center;background:#fff7e0;color:#5c4400}" +
  ".text{margin:0;white-space:pre-wrap}.meta{margin:2px 0 0;font-size:11px;color:#595959}.me .meta{color:inherit}" +
  ".att{display:block;margin-top:4px;color:inherit}.att img{max-width:100%;max-height:200px;border-radius:8px;display:block}" +
  ".err{margin:4px 0 0;color:#b91c1c;font-size:12px}.me .err{background:#fff;padding:2px 6px;border-radius:6px}" +
  ".err button{border:1px solid;background:#fff;border-radius:4px;margin-left:4px;padding:0 6px}" +
  ".typing{margin:0;padding:0 16px;min-height:18px;font-size:12px;color:#595959}" +
  ".qr{display:flex;flex-wrap:wrap;gap:6px;padding-top:8px}.qr button{border:1px solid var(--p);color:var(--p);background:#fff;border-radius:14px;padding:4px 12px}" +
  ".foot{border-top:1px solid #e5e7eb;padding:8px}" +
  ".compose{display:flex;align-items:flex-end;gap:4px}.compose .ic{color:#374151}" +
  "textarea,input{flex:1;width:100%;border:1px solid #767b85;border-radius:8px;padding:8px 10px;font:inherit;color:inherit;background:#fff}" +
  "textarea{resize:none;max-height:120px}textarea:focus,input:focus{outline:2px solid var(--p);outline-offset:-1px}" +
  ".ups{gap:4px}.ups li{display:flex;align-items:center;gap:8px;font-size:12px;margin-bottom:6px}" +
  ".ups img{width:32px;height:32px;object-fit:cover;border-radius:4px}.ups progress{flex:1}" +
  ".prechat{display:flex;flex-direction:column;gap:10px;padding:4px 8px}" +
  "label{display:block;font-size:13px;font-weight:600;margin-bottom:2px}" +
  ".primary{border:0;border-radius:8px;padding:10px;background:var(--p);color:var(--s);font-weight:600}" +
  ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}" +
  "@media (max-width:479px){.w{inset:0;width:auto;height:auto;border-radius:0}.b.o{display:none}textarea,input{font-size:16px}}";
