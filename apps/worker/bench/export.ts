// Export throughput against the floor PostgreSQL sets (a benchmark, not a test).
// Usage: npm run bench -w @reports/worker -- [--ratings 5000000] [--albums 20000] [--repeat 5]
//        [--min-ratings 10] [--fetch-size 1000] [--seed 1]
//
// For each parameter set it measures, alternating and `--repeat` times (median reported):
//  (a) baseline: the export's own aggregation query, parameters inlined, streamed with
//      `COPY (query) TO STDOUT (FORMAT csv)` into a byte counter: what PostgreSQL alone costs;
//  (b) export: exportPopularityReport, exactly as the consumer calls it (server-side cursor,
//      CSV, uploadStream into Azurite, expected-rows and progress UPDATEs on a reports row).
// Memory: the peak RSS growth of this process during each run, and the live heap + buffers
// (sampled after forced GCs) during one extra, untimed export per parameter set.
import { randomUUID } from "node:crypto";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import os, { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import type { ContainerClient } from "@azure/storage-blob";
import { createBlobClients } from "@reports/azure";
import {
  REPORTS_CONTAINER,
  type TPopularityReportParameters,
  ZPopularityReportParameters,
} from "@reports/contracts";
import { createDb, type Db } from "@reports/db";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "@reports/db/embedded";
import { migrate } from "@reports/db/migrate";
import { seedCatalogue } from "@reports/db/seed";
import { type RunningAzurite, startAzurite } from "@reports/local-stack";
import type pg from "pg";
import copyStreams from "pg-copy-streams";
import { recordExpectedRows, recordProgress } from "../src/consumer/report-store.ts";
import { exportPopularityReport } from "../src/export/export-popularity-report.ts";
import { buildPopularityQuery } from "../src/export/popularity-query.ts";

const { values: flags } = parseArgs({
  options: {
    ratings: { type: "string", default: "5000000" },
    albums: { type: "string", default: "20000" },
    seed: { type: "string", default: "1" },
    repeat: { type: "string", default: "5" },
    "min-ratings": { type: "string", default: "10" },
    "fetch-size": { type: "string" },
  },
});
const RATINGS = Number(flags.ratings);
const ALBUMS = Number(flags.albums);
const SEED = Number(flags.seed);
const REPEAT = Math.max(1, Number(flags.repeat));
const MIN_RATINGS = Number(flags["min-ratings"]);
const FETCH_SIZE = flags["fetch-size"] === undefined ? undefined : Number(flags["fetch-size"]);
for (const [name, value] of Object.entries({
  ratings: RATINGS,
  albums: ALBUMS,
  seed: SEED,
  repeat: REPEAT,
})) {
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a whole number`);
}

// --min-ratings 1 lists every rated album: a much larger file, to show memory stays flat.
const M = MIN_RATINGS;
const PARAMETER_SETS: Array<{ name: string; input: Record<string, unknown> }> = [
  { name: `whole catalogue, minRatings ${M}`, input: { minRatings: M } },
  {
    name: `one year (2025), minRatings ${M}`,
    input: { from: "2025-01-01", to: "2026-01-01", minRatings: M },
  },
  { name: `one genre (Jazz), minRatings ${M}`, input: { genre: "Jazz", minRatings: M } },
  { name: `top 100 (limit 100), minRatings ${M}`, input: { limit: 100, minRatings: M } },
];

const say = (message: string) => process.stderr.write(`${message}\n`);
// Other work on the machine skews the figures: the load average before and after says how much.
const LOAD_AT_START = os.loadavg()[0]!;
const gc = (globalThis as { gc?: () => void }).gc;

// ---------------------------------------------------------------- cleanup, also on Ctrl-C
let root: string | undefined;
let postgres: EmbeddedPostgres | undefined;
let azurite: RunningAzurite | undefined;
let db: Db | undefined;
let cleaning: Promise<void> | undefined;
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    await db?.close().catch(() => {});
    await azurite?.stop().catch((err: unknown) => say(`could not stop Azurite: ${String(err)}`));
    await postgres?.stop().catch((err: unknown) => say(`could not stop PostgreSQL: ${String(err)}`));
    if (root) await rm(root, { recursive: true, force: true });
  })();
  return cleaning;
}
// npm and tsx each relay a Ctrl-C, so one keypress can arrive twice: clean up once.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (cleaning) return;
    say(`\n${signal}: stopping PostgreSQL and Azurite, removing ${root ?? "nothing"}`);
    void cleanUp().finally(() => process.exit(130));
  });
}

// ---------------------------------------------------------------- measuring helpers
interface Measurement {
  ms: number;
  rows: number;
  bytes: number;
  memoryGrowthBytes: number;
  /** Export only: time until the expected total was known (the first FETCH: the aggregation is done). */
  countMs?: number;
  progressUpdates?: number;
  progressMs?: number;
}

type MemoryKind = "rss" | "live";

/**
 * Samples memory every 50 ms and returns the peak growth over the starting value. "rss": the
 * process's resident set, as a supervisor sees it, which includes garbage V8 has not collected
 * yet. "live": V8 heap + buffers right after a forced GC, i.e. what the run really holds; the
 * GCs slow the run, so it is measured in a separate, untimed run.
 */
function sampleMemory(kind: MemoryKind): () => number {
  const read =
    kind === "rss"
      ? () => process.memoryUsage().rss
      : () => {
          gc?.();
          const usage = process.memoryUsage();
          return usage.heapUsed + usage.external;
        };
  gc?.();
  const start = read();
  let peak = start;
  const timer = setInterval(() => {
    peak = Math.max(peak, read());
  }, 50);
  return () => {
    clearInterval(timer);
    peak = Math.max(peak, read());
    return peak - start;
  };
}

/** COPY takes no bind parameters: inline them as literals (the planner sees the same values). */
function inlineParameters(client: pg.PoolClient, text: string, values: unknown[]): string {
  return text.replace(/\$(\d+)/g, (_, n: string) => {
    const value = values[Number(n) - 1];
    if (value === null || value === undefined) return "NULL";
    if (typeof value === "number") return String(value);
    return client.escapeLiteral(String(value));
  });
}

async function measureBaseline(pool: pg.Pool, parameters: TPopularityReportParameters): Promise<Measurement> {
  const client = await pool.connect();
  try {
    const query = buildPopularityQuery(parameters);
    const sql = `COPY (${inlineParameters(client, query.text, query.values)}) TO STDOUT WITH (FORMAT csv, HEADER true)`;
    const stopRss = sampleMemory("rss");
    const started = performance.now();
    let bytes = 0;
    let lines = 0;
    for await (const chunk of client.query(copyStreams.to(sql)) as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines++;
    }
    const ms = performance.now() - started;
    return { ms, rows: lines - 1, bytes, memoryGrowthBytes: stopRss() };
  } finally {
    client.release();
  }
}

async function measureExport(
  pool: pg.Pool,
  container: ContainerClient,
  parameters: TPopularityReportParameters,
  memory: MemoryKind = "rss",
): Promise<Measurement> {
  // A Processing report row, so the progress UPDATEs cost what they cost in the worker.
  const reportId = randomUUID();
  await pool.query(
    `INSERT INTO reports (id, kind, owner_id, parameters, status, started_at, attempts)
     VALUES ($1, 'popularity', 'bench', $2, 'Processing', now(), 1)`,
    [reportId, JSON.stringify(parameters)],
  );
  let countMs = 0;
  let progressUpdates = 0;
  let progressMs = 0;
  const stopMemory = sampleMemory(memory);
  const started = performance.now();
  const result = await exportPopularityReport({
    pool,
    container,
    reportId,
    parameters,
    signal: new AbortController().signal,
    ...(FETCH_SIZE === undefined ? {} : { fetchSize: FETCH_SIZE }),
    onExpectedRows: async (expectedRows) => {
      countMs = performance.now() - started;
      await recordExpectedRows(pool, reportId, expectedRows);
    },
    onProgress: async (rowsWritten) => {
      const at = performance.now();
      await recordProgress(pool, reportId, rowsWritten);
      progressUpdates++;
      progressMs += performance.now() - at;
    },
  });
  const ms = performance.now() - started;
  const memoryGrowthBytes = stopMemory();
  const properties = await container.getBlockBlobClient(result.blobName).getProperties();
  if (properties.contentLength !== result.sizeBytes) {
    throw new Error(`blob holds ${properties.contentLength} bytes, the export reported ${result.sizeBytes}`);
  }
  return {
    ms,
    rows: result.rowCount,
    bytes: result.sizeBytes,
    memoryGrowthBytes,
    countMs,
    progressUpdates,
    progressMs,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function summarise(runs: Measurement[]) {
  const pick = (f: (m: Measurement) => number) => median(runs.map(f));
  return {
    ms: pick((m) => m.ms),
    min: Math.min(...runs.map((m) => m.ms)),
    max: Math.max(...runs.map((m) => m.ms)),
    rows: runs[0]!.rows,
    bytes: runs[0]!.bytes,
    rss: Math.max(...runs.map((m) => m.memoryGrowthBytes)),
    countMs: pick((m) => m.countMs ?? 0),
    progressUpdates: pick((m) => m.progressUpdates ?? 0),
    progressMs: pick((m) => m.progressMs ?? 0),
  };
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

// ---------------------------------------------------------------- main
try {
  root = await mkdtemp(path.join(tmpdir(), "reports-export-bench-"));
  // As root PostgreSQL runs as the `postgres` user, which must be able to reach its data dir.
  await chmod(root, 0o755);
  say(`starting PostgreSQL and Azurite under ${root}`);
  postgres = await startEmbeddedPostgres({ dataDir: path.join(root, "postgres") });
  await postgres.ensureDatabase("bench");
  const url = postgres.urlFor("bench");
  azurite = await startAzurite({ dataDir: path.join(root, "azurite") });
  await migrate({ url });
  db = createDb({ url, maxConnections: 4, applicationName: "export-bench" });

  say(`seeding ${fmt(RATINGS)} ratings over ${fmt(ALBUMS)} albums (seed ${SEED})`);
  const seeded = await seedCatalogue({ pool: db.pool, albums: ALBUMS, ratings: RATINGS, seed: SEED });
  say(`seeded in ${(seeded.elapsedMs / 1000).toFixed(1)} s (${fmt(seeded.ratingsPerSecond)} ratings/s)`);

  const container = createBlobClients({
    BLOB_CONNECTION_STRING: azurite.connectionString,
    BLOB_CONTAINER: REPORTS_CONTAINER,
  }).service.getContainerClient(REPORTS_CONTAINER);
  await container.createIfNotExists();

  // Warm the caches (table and index pages, the JIT of this process) before timing anything.
  const warm = ZPopularityReportParameters.parse({});
  await measureBaseline(db.pool, warm);
  await measureExport(db.pool, container, warm);

  const results: Array<{
    name: string;
    baseline: ReturnType<typeof summarise>;
    exported: ReturnType<typeof summarise>;
    liveBytes: number | undefined;
  }> = [];
  for (const set of PARAMETER_SETS) {
    const parameters = ZPopularityReportParameters.parse(set.input);
    const baselineRuns: Measurement[] = [];
    const exportRuns: Measurement[] = [];
    for (let run = 0; run < REPEAT; run++) {
      baselineRuns.push(await measureBaseline(db.pool, parameters));
      exportRuns.push(await measureExport(db.pool, container, parameters));
    }
    const liveBytes =
      gc === undefined
        ? undefined
        : (await measureExport(db.pool, container, parameters, "live")).memoryGrowthBytes;
    const baseline = summarise(baselineRuns);
    const exported = summarise(exportRuns);
    say(
      `${set.name}: baseline ${fmt(baseline.ms)} ms, export ${fmt(exported.ms)} ms (first rows after ${fmt(exported.countMs)} ms)`,
    );
    if (baseline.rows !== exported.rows) {
      throw new Error(`${set.name}: baseline streamed ${baseline.rows} rows, the export ${exported.rows}`);
    }
    results.push({ name: set.name, baseline, exported, liveBytes });
  }

  const out: string[] = [];
  const cpus = os.cpus();
  out.push(
    `\n${cpus.length} × ${cpus[0]?.model ?? "CPU"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}; ` +
      `1-min load average ${LOAD_AT_START.toFixed(2)} at the start, ${os.loadavg()[0]!.toFixed(2)} at the end`,
  );
  out.push(
    `\n${fmt(RATINGS)} ratings, ${fmt(ALBUMS)} albums; median of ${REPEAT} alternating runs per row (min–max in brackets); ` +
      `fetch size ${FETCH_SIZE ?? "default"}; RSS = peak growth of this process's RSS during the run; ` +
      "live = peak growth of heap + buffers sampled after a forced GC (one extra, untimed export)",
  );
  out.push("");
  out.push(
    "| parameters | rows | baseline COPY ms | export ms | export / baseline | first rows after ms | progress UPDATEs | export rows/s | CSV bytes | baseline RSS | export RSS | export live |",
  );
  out.push("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const { name, baseline, exported, liveBytes } of results) {
    out.push(
      `| ${name} | ${fmt(exported.rows)} | ${fmt(baseline.ms)} (${fmt(baseline.min)}–${fmt(baseline.max)}) | ` +
        `${fmt(exported.ms)} (${fmt(exported.min)}–${fmt(exported.max)}) | ${(exported.ms / baseline.ms).toFixed(2)} | ` +
        `${fmt(exported.countMs)} ms | ${fmt(exported.progressUpdates)} (${fmt(exported.progressMs, 1)} ms) | ` +
        `${fmt(exported.rows / (exported.ms / 1000))} | ${fmt(exported.bytes)} | ${mib(baseline.rss)} | ${mib(exported.rss)} | ${liveBytes === undefined ? "n/a" : mib(liveBytes)} |`,
    );
  }
  process.stdout.write(`${out.join("\n")}\n`);
} finally {
  await cleanUp();
}
