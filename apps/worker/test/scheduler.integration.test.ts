import { BlobServiceClient } from "@azure/storage-blob";
import { createSchedule } from "@reports/api";
import { nextOccurrence, POPULARITY_COLUMNS } from "@reports/contracts";
import { seedCatalogue } from "@reports/db/seed";
import { createTestDatabase, type TestDatabase } from "@reports/db/testing";
import { type RunningAzurite, startAzurite } from "@reports/local-stack";
import type { Closable } from "@reports/runtime";
import { type RunningEmulator, startEmulator } from "@reports/servicebus-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadWorkerConfig } from "../src/config.ts";
import { startWorker } from "../src/worker.ts";
import { silentLog, waitFor, waitForStatus } from "./support.ts";

// Real time, real stack: two worker instances (each with its own pools and clients) run the
// scheduler against one database, and the occurrences are real minute boundaries. The
// contract allows at most one occurrence an hour, so the test writes a minute-by-minute cron
// straight into the row (the scheduler evaluates whatever the row holds).
const QUEUE = "report-requests";
const EVERY_MINUTE = "* * * * *";

let database: TestDatabase;
let azurite: RunningAzurite;
let emulator: RunningEmulator;
const workers: Closable[] = [];

function startOneWorker(name: string) {
  const config = loadWorkerConfig({
    NODE_ENV: "test",
    DATABASE_URL: database.url,
    SERVICEBUS_CONNECTION_STRING: emulator.connectionString,
    BLOB_CONNECTION_STRING: azurite.connectionString,
    RELAY_POLL_INTERVAL_MS: "300",
    SCHEDULER_POLL_INTERVAL_MS: "500",
    SHUTDOWN_TIMEOUT_MS: "8000",
  });
  return startWorker(config, { log: silentLog.child({ worker: name }) }).then((worker) => {
    workers.push(worker);
    return worker;
  });
}

async function reportsFor(scheduleId: string) {
  const { rows } = await database.db.pool.query<{ id: string; scheduled_for: Date; status: string }>(
    "SELECT id, scheduled_for, status FROM reports WHERE schedule_id = $1 ORDER BY scheduled_for",
    [scheduleId],
  );
  return rows;
}

/** Resolves once the database's clock has passed `at` by `marginMs`. */
async function waitUntilPast(at: Date, marginMs: number) {
  await waitFor(
    async () => {
      const { rows } = await database.db.pool.query<{ now: Date }>("SELECT now()");
      return rows[0]!.now.getTime() >= at.getTime() + marginMs;
    },
    { timeoutMs: 90_000, intervalMs: 250, what: `the clock to pass ${at.toISOString()}` },
  );
}

beforeAll(async () => {
  [database, azurite, emulator] = await Promise.all([
    createTestDatabase({ name: "worker_scheduler" }),
    startAzurite(),
    startEmulator({ queues: [{ name: QUEUE, requiresDuplicateDetection: true }] }),
  ]);
  await seedCatalogue({ pool: database.db.pool, albums: 50, ratings: 1_000, seed: 7 });
});

afterAll(async () => {
  await Promise.allSettled(workers.map((worker) => worker.close()));
  await Promise.allSettled([emulator?.close(), azurite?.stop(), database?.drop()]);
});

describe("scheduled exports on the real stack", () => {
  it("fires each occurrence exactly once with two workers, and once for an occurrence missed while every worker was down", async () => {
    const schedule = await createSchedule({
      db: database.db,
      user: { userId: "scheduler-test" },
      input: {
        name: "Every minute",
        parameters: { limit: 5 },
        recurrence: { frequency: "daily", time: "06:00" },
      },
    });
    const first = nextOccurrence(EVERY_MINUTE, "UTC", new Date())!;
    await database.db.pool.query("UPDATE report_schedules SET cron = $2, next_run_at = $3 WHERE id = $1", [
      schedule.scheduleId,
      EVERY_MINUTE,
      first,
    ]);
    const [a, b] = await Promise.all([startOneWorker("a"), startOneWorker("b")]);

    // Both instances poll every 500 ms (and sleep until the due time): give them several
    // rounds after the occurrence before counting.
    await waitUntilPast(first, 3_000);
    const fired = await reportsFor(schedule.scheduleId);
    expect(fired.map((report) => report.scheduled_for.toISOString())).toEqual([first.toISOString()]);
    // The scheduled report goes through the outbox like any other request, to Completed.
    const completed = await waitForStatus(database.db.pool, fired[0]!.id, "Completed");
    expect(completed.blob_name).toMatch(/\.csv$/);
    const blob = BlobServiceClient.fromConnectionString(azurite.connectionString)
      .getContainerClient("reports")
      .getBlobClient(completed.blob_name!);
    expect((await blob.downloadToBuffer()).toString("utf8").split("\r\n")[0]).toBe(
      POPULARITY_COLUMNS.join(","),
    );

    // Every worker goes down before the next occurrence and comes back after it.
    await Promise.all([a.close(), b.close()]);
    const missed = nextOccurrence(EVERY_MINUTE, "UTC", first)!;
    await waitUntilPast(missed, 1_500);
    expect(await reportsFor(schedule.scheduleId)).toHaveLength(1);
    await Promise.all([startOneWorker("a2"), startOneWorker("b2")]);

    const caughtUp = await waitFor(
      async () => {
        const reports = await reportsFor(schedule.scheduleId);
        return reports.length >= 2 ? reports : undefined;
      },
      { timeoutMs: 20_000, what: "the missed occurrence's report" },
    );
    // Counted again after a few more rounds of both instances: still one per occurrence.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const { rows } = await database.db.pool.query<{ now: Date }>("SELECT now()");
    const all = await reportsFor(schedule.scheduleId);
    const occurrences = all.map((report) => report.scheduled_for.getTime());
    expect(new Set(occurrences).size).toBe(occurrences.length);
    expect(caughtUp[1]!.scheduled_for.getTime()).toBeGreaterThanOrEqual(missed.getTime());
    // Nothing else is due before the clock's current minute: no report per polling round.
    expect(all.length).toBeLessThanOrEqual(
      2 + Math.floor((rows[0]!.now.getTime() - missed.getTime()) / 60_000),
    );
    await waitForStatus(database.db.pool, caughtUp[1]!.id, "Completed");
  }, 180_000);
});
