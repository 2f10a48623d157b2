// Builds the widget into web/dist:
//   widget.js              the loader, a classic script (IIFE) every page view loads
//   widget/app-<hash>.js   the chat, an ES module the loader imports on the first open
//   test/widget-client.mjs the protocol client, its backoff and the quick replies' rule, for the
//                          unit tests (not served)
// Every served .js gets a .gz sibling (gzip -9) that the server can send as is.
import { build } from "esbuild";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { constants, gzipSync } from "node:zlib";

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, "..", "dist");
const common = { bundle: true, minify: true, target: "es2020", legalComments: "none", logLevel: "warning" };

rmSync(join(dist, "widget"), { recursive: true, force: true });
for (const old of ["widget.js", "widget.js.gz"]) rmSync(join(dist, old), { force: true });
mkdirSync(dist, { recursive: true });

const app = await build({
  ...common,
  entryPoints: { app: join(here, "src/app.ts") },
  format: "esm",
  outdir: join(dist, "widget"),
  entryNames: "[name]-[hash]",
  metafile: true,
});
const appPath = Object.keys(app.metafile.outputs).find((path) => path.endsWith(".js"));

await build({
  ...common,
  entryPoints: [join(here, "src/loader.ts")],
  format: "iife",
  outfile: join(dist, "widget.js"),
  define: { __APP_FILE__: JSON.stringify(basename(appPath)) },
});

await build({
  ...common,
  minify: false,
  stdin: { contents: 'export * from "./client"; export * from "./backoff"; export * from "./quick-replies";', resolveDir: join(here, "src"), loader: "ts" },
  format: "esm",
  platform: "neutral",
  outfile: join(dist, "test", "widget-client.mjs"),
});

for (const file of [join(dist, "widget.js"), join(here, "..", appPath)]) {
  const bytes = readFileSync(file);
  const gz = gzipSync(bytes, { level: constants.Z_BEST_COMPRESSION });
  writeFileSync(file + ".gz", gz);
  console.log(`widget: ${relative(dist, file)} ${bytes.length} B, ${gz.length} B gzip`);
}
