// Builds the browser apps into web/dist (served by the switchboard binary: /widget.js,
// /widget/*, /console/*). Each app has its own build script; this runs them in order.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
for (const app of ["widget", "console"]) {
  const script = join(here, app, "build.mjs");
  if (!existsSync(script)) continue;
  const r = spawnSync(process.execPath, [script], { stdio: "inherit", cwd: here });
  if (r.status !== 0) {
    console.error(`build of ${app} failed`);
    process.exit(r.status ?? 1);
  }
}
