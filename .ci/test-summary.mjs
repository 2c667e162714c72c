// Prints one "N passed, N failed, N skipped" line for every Vitest run of the repo
// (each package writes test-results/vitest*.json), so CI has a single closing line.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
let passed = 0;
let failed = 0;
let skipped = 0;
const missing = [];
// Every workspace of the root package.json: "apps/*", "packages/*" and single folders ("infra").
const workspaces = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).workspaces.flatMap(
  (pattern) =>
    pattern.endsWith("/*")
      ? readdirSync(join(root, pattern.slice(0, -2))).map((name) => `${pattern.slice(0, -2)}/${name}`)
      : [pattern],
);
for (const workspace of workspaces) {
  const dir = join(root, workspace);
  if (!existsSync(join(dir, "package.json"))) continue;
  const scripts = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).scripts ?? {};
  if (!scripts.test?.includes("vitest")) continue;
  const resultsDir = join(dir, "test-results");
  // vitest.json (unit + integration) and, where a package has them, vitest-e2e.json (browser).
  const reports = existsSync(resultsDir)
    ? readdirSync(resultsDir).filter((file) => /^vitest.*\.json$/.test(file))
    : [];
  if (reports.length === 0) {
    missing.push(workspace);
    continue;
  }
  for (const file of reports) {
    const json = JSON.parse(readFileSync(join(resultsDir, file), "utf8"));
    passed += json.numPassedTests;
    failed += json.numFailedTests;
    skipped += json.numPendingTests + (json.numTodoTests ?? 0);
  }
}
if (missing.length > 0) {
  console.error(`no Vitest report for: ${missing.join(", ")}`);
  failed += missing.length;
}
process.stdout.write(`${passed} passed, ${failed} failed, ${skipped} skipped\n`);
process.exit(failed > 0 ? 1 : 0);
