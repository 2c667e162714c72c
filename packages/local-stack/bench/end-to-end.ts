// POST → Completed through the whole local stack over real HTTP (a benchmark, not a test).
// Usage: npm run bench -w @reports/local-stack -- [--reports 20] [--parameters '{"minRatings":10}']
//        [--albums 3000] [--ratings 300000] [--poll-ms 50] [--build]
//
// Starts the stack in a temporary folder (PostgreSQL, Azurite, Service Bus emulator, the built
// web app, the worker), then requests K reports one after the other and K at once, polling
// each report's Location every --poll-ms until it is Completed. The baseline is the export
// alone (completedAt − startedAt, as the worker recorded it), so what the pipeline adds
// (outbox relay, queue, consumer pick-up, polling) is the difference.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { createLogger, sleep } from "@reports/runtime";
import { REPO_ROOT } from "../src/config.ts";
import { type LocalStack, startLocalStack } from "../src/stack.ts";

const { values: flags } = parseArgs({
  options: {
    reports: { type: "string", default: "20" },
    parameters: { type: "string", default: "{}" },
    albums: { type: "string", default: "3000" },
    ratings: { type: "string", default: "300000" },
    "poll-ms": { type: "string", default: "50" },
    build: { type: "boolean", default: false },
  },
});
const REPORTS = Number(flags.reports);
const PARAMETERS = JSON.parse(flags.parameters) as Record<string, unknown>;
const ALBUMS = Number(flags.albums);
const RATINGS = Number(flags.ratings);
const POLL_MS = Number(flags["poll-ms"]);
// `next build` rewrites apps/web/.next, which a web server someone else is running may be
// serving from; by default an existing production build (the standalone server the stack
// runs) is used as it is.
const BUILD_WEB =
  flags.build || !existsSync(path.join(REPO_ROOT, "apps/web/.next/standalone/apps/web/start.mjs"));

const say = (message: string) => process.stderr.write(`${message}\n`);
// Other work on the machine skews the figures: the load average before and after says how much.
const LOAD_AT_START = os.loadavg()[0]!;

// ---------------------------------------------------------------- cleanup, also on Ctrl-C
let stateDir: string | undefined;
let starting: Promise<LocalStack> | undefined;
let cleaning: Promise<void> | undefined;
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    const stack = await starting?.catch(() => undefined);
    await stack?.close();
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
  })();
  return cleaning;
}
// npm and tsx each relay a Ctrl-C, so one keypress can arrive twice: clean up once.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (cleaning) return;
    say(`\n${signal}: stopping the local stack, removing ${stateDir ?? "nothing"}`);
    void cleanUp().finally(() => process.exit(130));
  });
}

// ---------------------------------------------------------------- one report, timed
interface Timing {
  /** POST request → 202 response. */
  postMs: number;
  /** POST request sent → the poll that saw Completed answered. */
  endToEndMs: number;
  /** completedAt − startedAt as the worker recorded them: the export alone. */
  exportMs: number;
  /** startedAt − createdAt: outbox relay + queue + consumer pick-up (+ waiting for a free slot). */
  pickUpMs: number;
  polls: number;
  /** Latency of every GET /reports/{id} this report's polling made. */
  pollMs: number[];
}

interface ReportResource {
  status: string;
  createdAt: string;
  startedAt?: string;
  completedAt?: string;
  error?: string;
}

async function requestAndAwait(webUrl: string, token: string): Promise<Timing & { doneAt: number }> {
  const headers = { authorization: `Bearer ${token}` };
  const started = performance.now();
  const response = await fetch(`${webUrl}/reports/popularity`, {
    method: "POST",
    headers: { ...headers, "content-type": "application/json" },
    body: JSON.stringify(PARAMETERS),
  });
  const postMs = performance.now() - started;
  const location = response.headers.get("location");
  await response.arrayBuffer();
  if (response.status !== 202 || !location) throw new Error(`POST answered ${response.status}`);
  const pollMs: number[] = [];
  for (let polls = 1; ; polls++) {
    await sleep(POLL_MS);
    const pollStarted = performance.now();
    const poll = await fetch(new URL(location, webUrl), { headers });
    if (poll.status !== 200) throw new Error(`GET ${location} answered ${poll.status}`);
    const report = (await poll.json()) as ReportResource;
    pollMs.push(performance.now() - pollStarted);
    if (report.status === "Failed") throw new Error(`report failed: ${report.error}`);
    if (report.status !== "Completed") continue;
    const doneAt = performance.now();
    const startedAt = Date.parse(report.startedAt!);
    return {
      postMs,
      endToEndMs: doneAt - started,
      exportMs: Date.parse(report.completedAt!) - startedAt,
      pickUpMs: startedAt - Date.parse(report.createdAt),
      polls,
      pollMs,
      doneAt,
    };
  }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  // nearest rank
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function row(label: string, values: number[]): string {
  const f = (n: number) => Math.round(n).toLocaleString("en-US");
  return `| ${label} | ${f(percentile(values, 50))} | ${f(percentile(values, 95))} | ${f(Math.max(...values))} |`;
}

function table(title: string, timings: Timing[], extra: string[]): string {
  const p50 = (f: (t: Timing) => number) => percentile(timings.map(f), 50);
  return [
    `\n${title}`,
    "",
    "| ms | p50 | p95 | max |",
    "|---|---:|---:|---:|",
    row(
      "POST → Completed seen by polling",
      timings.map((t) => t.endToEndMs),
    ),
    row(
      "POST latency (→ 202)",
      timings.map((t) => t.postMs),
    ),
    row(
      "GET /reports/{id} latency (every poll)",
      timings.flatMap((t) => t.pollMs),
    ),
    row(
      "baseline: export alone (completedAt − startedAt)",
      timings.map((t) => t.exportMs),
    ),
    row(
      "created → export started (relay + queue + pick-up)",
      timings.map((t) => t.pickUpMs),
    ),
    row(
      "pipeline overhead (end-to-end − export)",
      timings.map((t) => t.endToEndMs - t.exportMs),
    ),
    "",
    `end-to-end / export (p50s): ${(p50((t) => t.endToEndMs) / p50((t) => t.exportMs)).toFixed(2)}; ` +
      `polls per report (p50): ${p50((t) => t.polls)}`,
    ...extra,
  ].join("\n");
}

// ---------------------------------------------------------------- main
try {
  stateDir = await mkdtemp(path.join(os.tmpdir(), "reports-e2e-bench-"));
  // Embedded PostgreSQL drops to the "postgres" user when run as root: it must traverse this.
  await chmod(stateDir, 0o755);
  const log = createLogger({ name: "e2e-bench", level: "warn" });
  say(
    `starting the local stack under ${stateDir} (${ALBUMS} albums, ${RATINGS} ratings` +
      `${BUILD_WEB ? ", building the web app" : ", existing web build"})`,
  );
  const startedAt = performance.now();
  starting = startLocalStack({
    stateDir,
    log,
    webPort: 0,
    seed: { albums: ALBUMS, ratings: RATINGS },
    buildWeb: BUILD_WEB,
    // One user posts the whole batch: the per-user limits (README, "Limits") would refuse most
    // of it and run it one export at a time; this measures the pipeline, not the limits.
    extraEnv: {
      REPORTS_MAX_ACTIVE_PER_USER: "10000",
      REPORT_REQUESTS_PER_MINUTE: "100000",
      WORKER_MAX_EXPORTS_PER_USER: "1000",
    },
  });
  const stack = await starting;
  say(`stack ready in ${((performance.now() - startedAt) / 1000).toFixed(1)} s at ${stack.webUrl}`);
  // The token as a user gets it (`npm run token`); the stack does not depend on the api package.
  const token = execFileSync(
    process.execPath,
    ["--import", "tsx", path.join(REPO_ROOT, "apps/web/scripts/token.ts"), "--user", "bench-user"],
    { cwd: REPO_ROOT, env: { ...process.env, ...stack.env }, encoding: "utf8" },
  )
    .trim()
    .split("\n")
    .at(-1)!;

  // The first request compiles routes and warms pools in every process: not measured.
  const warm = await requestAndAwait(stack.webUrl, token);
  say(`warm-up report: ${Math.round(warm.endToEndMs)} ms end to end`);

  const sequential: Timing[] = [];
  for (let i = 0; i < REPORTS; i++) sequential.push(await requestAndAwait(stack.webUrl, token));
  say(`sequential: ${REPORTS} reports done`);

  const batchStart = performance.now();
  const concurrent = await Promise.all(
    Array.from({ length: REPORTS }, () => requestAndAwait(stack.webUrl, token)),
  );
  const batchMs = Math.max(...concurrent.map((t) => t.doneAt)) - batchStart;
  say(`concurrent: ${REPORTS} reports done in ${Math.round(batchMs)} ms`);

  const cpus = os.cpus();
  process.stdout.write(
    [
      `\n${cpus.length} × ${cpus[0]?.model ?? "CPU"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}; ` +
        `1-min load average ${LOAD_AT_START.toFixed(2)} at the start, ${os.loadavg()[0]!.toFixed(2)} at the end`,
      `${ALBUMS} albums, ${RATINGS} ratings; parameters ${JSON.stringify(PARAMETERS)}; polling every ${POLL_MS} ms; ` +
        `worker defaults (WORKER_CONCURRENCY 2)`,
      table(`${REPORTS} reports, one after the other`, sequential, []),
      table(`${REPORTS} reports posted at once`, concurrent, [
        `batch: ${Math.round(batchMs)} ms from the first POST to the last Completed = ` +
          `${(REPORTS / (batchMs / 1000)).toFixed(2)} reports/s ` +
          `(sum of export times / batch time = ${(concurrent.reduce((s, t) => s + t.exportMs, 0) / batchMs).toFixed(2)})`,
      ]),
      "",
    ].join("\n"),
  );
} finally {
  await cleanUp();
}
