// After `next build`: completes the standalone server (.next/standalone) with the static
// assets Next leaves out of it, so `node .next/standalone/apps/web/start.mjs` (server.js behind
// a guard, see scripts/start.mjs) — the entry point of the container image — also serves the
// dashboard locally (npm start, e2e tests).

import { existsSync } from "node:fs";
import { cp, rm } from "node:fs/promises";
import { join } from "node:path";

const web = join(import.meta.dirname, "..");
const target = join(web, ".next/standalone/apps/web");
if (!existsSync(join(target, "server.js"))) {
  console.error("no standalone server at .next/standalone/apps/web/server.js: is output 'standalone' set?");
  process.exit(1);
}
// The entry point: server.js behind the guard in start.mjs.
for (const file of ["start.mjs", "undecodable-path.mjs"])
  await cp(join(web, "scripts", file), join(target, file));
await rm(join(target, ".next/static"), { recursive: true, force: true });
await cp(join(web, ".next/static"), join(target, ".next/static"), { recursive: true });
if (existsSync(join(web, "public")))
  await cp(join(web, "public"), join(target, "public"), { recursive: true });
