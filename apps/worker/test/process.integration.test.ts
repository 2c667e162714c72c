import { type ChildProcess, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { BlobServiceClient } from "@azure/storage-blob";
import { seedCatalogue } from "@reports/db/seed";
import { createTestDatabase, type TestDatabase } from "@reports/db/testing";
import { type RunningAzurite, startAzurite } from "@reports/local-stack";
import { type RunningEmulator, startEmulator } from "@reports/servicebus-emulator";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadWorkerConfig } from "../src/config.ts";
import { startWorker } from "../src/worker.ts";
import { acceptReport, computePopularityCsv, getReport, silentLog, waitForStatus } from "./support.ts";

const WORKER_DIR = join(dirname(fileURLToPath(import.meta.url)), "..");
const QUEUE = "report-requests";
const LOCK_DURATION_MS = 3_000;
const SHUTDOWN_TIMEOUT_MS = 8_000;

let database: TestDatabase;
let azurite: RunningAzurite;
let emulator: RunningEmulator;
const children: ChildProcess[] = [];

function workerEnv(): Record<string, string> {
  return {
    NODE_ENV: "test",
    LOG_LEVEL: "info",
    DATABASE_URL: database.url,
    SERVICEBUS_CONNECTION_STRING: emulator.connectionString,
    BLOB_CONNECTION_STRING: azurite.connectionString,
    RELAY_POLL_INTERVAL_MS: "300",
    EXPORT_RETRY_BASE_MS: "100",
    EXPORT_RETRY_MAX_MS: "300",
    SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
  };
}

/** Runs `src/main.ts` as its own process (node --import tsx: no wrapper process, so signals reach it). */
function spawnWorker(env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: WORKER_DIR,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let stdout = "";
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('"msg":"worker ready"')) resolve();
    });
    child.once("exit", (code) =>
      reject(new Error(`worker exited (${code}) before ready:\n${stdout}\n${stderr}`)),
    );
  });
  // Not every test waits for readiness (the config test expects an early exit).
  ready.catch(() => {});
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, ready, exited, output: () => ({ stdout, stderr }) };
}

/**
 * Holds an ACCESS EXCLUSIVE lock on ratings, so an export that has claimed its report
 * blocks on its first query: a deterministic "mid-export" without a huge catalogue or a
 * test hook in the worker.
 */
async function lockRatings() {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  await client.query("BEGIN");
  await client.query("LOCK TABLE ratings IN ACCESS EXCLUSIVE MODE");
  return async () => {
    await client.query("COMMIT");
    await client.end();
  };
}

async function runInProcessWorker() {
  return startWorker(loadWorkerConfig(workerEnv()), { log: silentLog });
}

beforeAll(async () => {
  [database, azurite, emulator] = await Promise.all([
    createTestDatabase({ name: "worker_process" }),
    startAzurite(),
    startEmulator({
      queues: [
        {
          name: QUEUE,
          lockDurationMs: LOCK_DURATION_MS,
          maxDeliveryCount: 5,
          requiresDuplicateDetection: true,
        },
      ],
    }),
  ]);
  await seedCatalogue({ pool: database.db.pool, albums: 100, ratings: 3_000, seed: 3 });
});

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
});

afterAll(async () => {
  await Promise.allSettled([emulator?.close(), azurite?.stop(), database?.drop()]);
});

describe("worker process", () => {
  it("exits 1 naming the variable when the configuration is invalid", async () => {
    const { exited, output } = spawnWorker({ ...workerEnv(), DATABASE_URL: "", WORKER_CONCURRENCY: "zero" });
    expect(await exited).toBe(1);
    expect(output().stderr).toContain("DATABASE_URL");
    expect(output().stderr).toContain("WORKER_CONCURRENCY");
  });

  it("recovers an export from a worker killed mid-export once the lock expires, completing it once", async () => {
    const unlock = await lockRatings();
    const first = spawnWorker(workerEnv());
    await first.ready;
    const parameters = { minRatings: 3 };
    const { reportId } = await acceptReport(database.db.pool, parameters);
    await waitForStatus(database.db.pool, reportId, "Processing");
    first.child.kill("SIGKILL");
    await first.exited;
    await unlock();

    const second = await runInProcessWorker();
    try {
      const report = await waitForStatus(database.db.pool, reportId, "Completed", LOCK_DURATION_MS * 5);
      // One claim by the killed worker, one by the worker that took over after the lock expired.
      expect(report.attempts).toBe(2);
      const blob = BlobServiceClient.fromConnectionString(azurite.connectionString)
        .getContainerClient("reports")
        .getBlockBlobClient(report.blob_name!);
      const csv = (await blob.downloadToBuffer()).toString("utf8");
      expect(csv).toBe(await computePopularityCsv(database.db.pool, parameters));
      expect(Number(report.size_bytes)).toBe(Buffer.byteLength(csv));
      // Still exactly one completion well after another lock period.
      await new Promise((resolve) => setTimeout(resolve, LOCK_DURATION_MS + 500));
      expect(await getReport(database.db.pool, reportId)).toEqual(report);
    } finally {
      await second.close();
    }
  });

  it("drains on SIGTERM within the deadline, abandoning a stuck export for another worker", async () => {
    const unlock = await lockRatings();
    const worker = spawnWorker(workerEnv());
    await worker.ready;
    const { reportId } = await acceptReport(database.db.pool, { minRatings: 3 });
    await waitForStatus(database.db.pool, reportId, "Processing");
    const signalled = Date.now();
    worker.child.kill("SIGTERM");
    expect(await worker.exited).toBe(0);
    // The export was given the budget until its last part (half of it, for a budget this
    // short), then aborted: the whole shutdown stayed within the one deadline.
    const stoppedAfterMs = Date.now() - signalled;
    expect(stoppedAfterMs).toBeGreaterThanOrEqual(SHUTDOWN_TIMEOUT_MS / 2 - 500);
    expect(stoppedAfterMs).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
    expect(worker.output().stdout).toContain("drain deadline reached");
    await unlock();

    // The abandoned message is picked up at once (no lock expiry needed) and completes.
    const next = await runInProcessWorker();
    try {
      const report = await waitForStatus(database.db.pool, reportId, "Completed", LOCK_DURATION_MS * 3);
      expect(report.attempts).toBe(2);
    } finally {
      await next.close();
    }
  });

  it("stops promptly on SIGTERM when idle", async () => {
    const worker = spawnWorker(workerEnv());
    await worker.ready;
    const signalled = Date.now();
    worker.child.kill("SIGTERM");
    expect(await worker.exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(4_000);
  });
});
