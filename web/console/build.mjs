// Builds the staff console into web/dist/console: index.html (one module script, no inline
// code: the server's CSP allows same-origin scripts only), assets/*.js and *.css with content
// hashes (served as immutable), and a .gz sibling of every .js/.css/.html (the server sends it
// to clients that accept gzip). The dashboard and settings are split into their own chunks.
import * as esbuild from "esbuild";
import { mkdirSync, readFileSync, rmSync, writeFileSync, readdirSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync, constants } from "node:zlib";

const here = dirname(fileURLToPath(import.meta.url));
const outRoot = join(here, "..", "dist", "console");
const assets = join(outRoot, "assets");
const publicBase = "/console/assets/";

rmSync(outRoot, { recursive: true, force: true });
mkdirSync(assets, { recursive: true });

const result = await esbuild.build({
  entryPoints: { console: join(here, "src", "main.jsx") },
  bundle: true,
  splitting: true,
  format: "esm",
  minify: true,
  target: ["es2022", "chrome110", "firefox110", "safari16"],
  jsx: "automatic",
  jsxImportSource: "preact",
  outdir: assets,
  entryNames: "[name]-[hash]",
  chunkNames: "[name]-[hash]",
  assetNames: "[name]-[hash]",
  publicPath: publicBase,
  metafile: true,
  legalComments: "none",
  logLevel: "warning",
  define: { "process.env.NODE_ENV": '"production"' },
});

const outputs = result.metafile.outputs;
const entryPath = Object.keys(outputs).find((p) => outputs[p].entryPoint && p.endsWith(".js"));
const entry = outputs[entryPath];
const url = (p) => publicBase + basename(p);

// Chunks the entry imports statically load at start: preload them next to the entry.
const preload = entry.imports.filter((i) => i.kind === "import-statement").map((i) => url(i.path));
const css = entry.cssBundle ? [url(entry.cssBundle)] : [];

const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>Switchboard</title>
<link rel="icon" href="data:,">
${css.map((h) => `<link rel="stylesheet" href="${h}">`).join("\n")}
${preload.map((h) => `<link rel="modulepreload" href="${h}">`).join("\n")}
<script type="module" src="${url(entryPath)}"></script>
</head>
<body>
<div id="app"></div>
<noscript>The Switchboard console needs JavaScript.</noscript>
</body>
</html>
`;
writeFileSync(join(outRoot, "index.html"), html);

const initial = [url(entryPath), ...preload];
const report = [];
for (const dir of [outRoot, assets]) {
  for (const name of readdirSync(dir)) {
    if (!/\.(js|css|html)$/.test(name)) continue;
    const file = join(dir, name);
    const raw = readFileSync(file);
    const gz = gzipSync(raw, { level: constants.Z_BEST_COMPRESSION });
    writeFileSync(file + ".gz", gz);
    report.push([relative(outRoot, file), raw.length, gz.length]);
  }
}
report.sort((a, b) => b[2] - a[2]);
const initialGz = report.filter(([f]) => initial.includes(publicBase + basename(f))).reduce((s, r) => s + r[2], 0);
for (const [f, raw, gz] of report) console.log(`  console/${f.padEnd(36)} ${(raw / 1024).toFixed(1).padStart(7)} KB  ${(gz / 1024).toFixed(1).padStart(6)} KB gz`);
console.log(`  console initial JS: ${(initialGz / 1024).toFixed(1)} KB gzip (budget 150 KB)`);
