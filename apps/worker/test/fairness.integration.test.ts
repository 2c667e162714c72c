import { ServiceBusClient } from "@azure/service-bus";
import { BlobServiceClient } from "@azure/storage-blob";
import { seedCatalogue } from "@reports/db/seed";
import { createTestDatabase, type TestDatabase } from "@reports/db/testing";
import { type RunningAzurite, startAzurite } from "@reports/local-stack";
import type { Closable } from "@reports/runtime";
import { type RunningEmulator, startEmulator } from "@reports/servicebus-emulator";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadWorkerConfig } from "../src/config.ts";
import { USER_EXPORT_SLOT_LOCK_SQL } from "../src/consumer/user-export-slots.ts";
import { startWorker } from "../src/worker.ts";
import { acceptReport, getReport, silentLog, waitFor, waitForStatus } from "./support.ts";

const QUEUE = "report-requests";
// Fewer deliveries than the deferrals below: deferring must not spend them.
const MAX_DELIVERIES = 2;

let database: TestDatabase;
let azurite: RunningAzurite;
let emulator: RunningEmulator;
let serviceBus: ServiceBusClient;
let worker: Closable;

beforeAll(async () => {
  [database, azurite, emulator] = await Promise.all([
    createTestDatabase({ name: "worker_fairness" }),
    startAzurite(),
    startEmulator({
      queues: [
        {
          name: QUEUE,
          lockDurationMs: 10_000,
          maxDeliveryCount: MAX_DELIVERIES,
          requiresDuplicateDetection: true,
        },
      ],
    }),
  ]);
  await seedCatalogue({ pool: database.db.pool, albums: 100, ratings: 3_000, seed: 3 });
  serviceBus = new ServiceBusClient(emulator.connectionString, {
    retryOptions: { maxRetries: 1, retryDelayInMs: 200, timeoutInMs: 5_000 },
  });
  const config = loadWorkerConfig({
    NODE_ENV: "test",
    DATABASE_URL: database.url,
    SERVICEBUS_CONNECTION_STRING: emulator.connectionString,
    BLOB_CONNECTION_STRING: azurite.connectionString,
    WORKER_CONCURRENCY: "2",
    WORKER_MAX_EXPORTS_PER_USER: "1",
    WORKER_FAIRNESS_DEFER_MS: "200",
    RELAY_POLL_INTERVAL_MS: "100",
    EXPORT_MAX_DELIVERIES: String(MAX_DELIVERIES),
    SHUTDOWN_TIMEOUT_MS: "8000",
  });
  worker = await startWorker(config, {
    log: silentLog,
    serviceBus,
    blob: BlobServiceClient.fromConnectionString(azurite.connectionString),
    deadLetterWatcher: false,
  });
});

afterAll(async () => {
  await worker?.close();
  await serviceBus?.close();
  await Promise.allSettled([emulator?.close(), azurite?.stop(), database?.drop()]);
});

/** Takes `ownerId`'s only export slot on a connection of its own, as a busy export elsewhere would. */
async function holdSlot(ownerId: string): Promise<pg.PoolClient> {
  const client = await database.db.pool.connect();
  const { rows } = await client.query<{ locked: boolean }>(USER_EXPORT_SLOT_LOCK_SQL, [ownerId, 0]);
  expect(rows[0]?.locked).toBe(true);
  return client;
}

/** How often a report was set aside: each time adds an outbox row to the one it was accepted with. */
async function deferrals(reportId: string): Promise<number> {
  const { rows } = await database.db.pool.query<{ count: string }>(
    "SELECT count(*) FROM outbox_messages WHERE correlation_id = $1",
    [reportId],
  );
  return Number(rows[0]?.count) - 1;
}

describe("per-user fairness in the worker", () => {
  it("sets a user's export aside while their slot is busy elsewhere, runs other users' meanwhile, and spends no delivery doing so", async () => {
    const busy = await holdSlot("hog");
    let released = false;
    try {
      const hogs = await Promise.all(
        [1, 2, 3].map((limit) =>
          acceptReport(database.db.pool, { minRatings: 1, limit }, { ownerId: "hog" }),
        ),
      );
      const other = await acceptReport(database.db.pool, { minRatings: 1 }, { ownerId: "patient" });
      // The other user's report goes through while every one of the hog's waits its turn.
      await waitForStatus(database.db.pool, other.reportId, "Completed");
      // Each of the hog's reports is set aside again and again (more often than it has
      // deliveries), and stays Pending, untouched.
      await waitFor(
        async () => {
          const counts = await Promise.all(hogs.map(({ reportId }) => deferrals(reportId)));
          return counts.every((count) => count > MAX_DELIVERIES);
        },
        { what: "every hog report to be deferred more often than it has deliveries", timeoutMs: 30_000 },
      );
      for (const { reportId } of hogs) {
        expect(await getReport(database.db.pool, reportId)).toMatchObject({ status: "Pending", attempts: 0 });
      }
      await busy.query("SELECT pg_advisory_unlock_all()");
      busy.release();
      released = true;
      // Once the slot is free, the hog's reports run, one at a time, and all complete.
      for (const { reportId } of hogs) {
        expect(await waitForStatus(database.db.pool, reportId, "Completed")).toMatchObject({ attempts: 1 });
      }
      const { rows } = await database.db.pool.query<{ started_at: Date; completed_at: Date }>(
        "SELECT started_at, completed_at FROM reports WHERE owner_id = 'hog' ORDER BY started_at",
      );
      for (let i = 1; i < rows.length; i++) {
        // The next one started only after the previous one finished: one slot.
        expect(rows[i]!.started_at.getTime()).toBeGreaterThanOrEqual(rows[i - 1]!.completed_at.getTime());
      }
    } finally {
      if (!released) busy.release();
    }
  });
});
