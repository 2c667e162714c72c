import { randomUUID } from "node:crypto";
import { ServiceBusClient, type ServiceBusReceivedMessage } from "@azure/service-bus";
import { BlobServiceClient } from "@azure/storage-blob";
import { EXPORT_REQUESTED_V1, REPORT_FAILURE_REASONS } from "@reports/contracts";
import { seedCatalogue } from "@reports/db/seed";
import { createTestDatabase, type TestDatabase } from "@reports/db/testing";
import { type RunningAzurite, startAzurite } from "@reports/local-stack";
import type { Closable } from "@reports/runtime";
import { type RunningEmulator, startEmulator } from "@reports/servicebus-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadWorkerConfig } from "../src/config.ts";
import { startWorker } from "../src/worker.ts";
import {
  acceptReport,
  computePopularityCsv,
  getReport,
  peekAll,
  silentLog,
  waitFor,
  waitForStatus,
} from "./support.ts";

const QUEUE = "report-requests";
const MAX_DELIVERIES = 3;

let database: TestDatabase;
let azurite: RunningAzurite;
let emulator: RunningEmulator;
let serviceBus: ServiceBusClient;
let blob: BlobServiceClient;
let worker: Closable;

/** Dead-lettered messages seen so far, by message id (taken off the DLQ as they are read). */
const deadLettered = new Map<string, ServiceBusReceivedMessage>();
async function collectDeadLetters() {
  const receiver = serviceBus.createReceiver(QUEUE, {
    subQueueType: "deadLetter",
    receiveMode: "receiveAndDelete",
  });
  try {
    for (const message of await receiver.receiveMessages(100, { maxWaitTimeInMs: 300 })) {
      deadLettered.set(String(message.messageId), message);
    }
  } finally {
    await receiver.close();
  }
}

async function downloadText(blobName: string) {
  const buffer = await blob.getContainerClient("reports").getBlockBlobClient(blobName).downloadToBuffer();
  return buffer.toString("utf8");
}

beforeAll(async () => {
  [database, azurite, emulator] = await Promise.all([
    createTestDatabase({ name: "worker_export" }),
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
  await seedCatalogue({ pool: database.db.pool, albums: 150, ratings: 6_000, seed: 7 });
  // Titles an attacker might choose, plus an album in a genre of its own with enough ratings.
  await database.db.pool.query(
    `INSERT INTO artists (id, name) VALUES (90001, '@evil'), (90002, '-Minus Band')`,
  );
  await database.db.pool.query(
    `INSERT INTO albums (id, title, artist_id, release_year, genre) VALUES
       (90001, '=HYPERLINK("http://evil.example","click")', 90001, 2020, 'Injection'),
       (90002, '+1', 90002, 2021, 'Injection'),
       (90003, '@x', 90001, 2022, 'Injection'),
       (90004, 'Tab' || chr(9) || 'inside, "quoted"', 90002, 2023, 'Injection')`,
  );
  await database.db.pool.query(
    `INSERT INTO ratings (user_id, album_id, score, rated_at)
     SELECT 'inj' || g, a, 1 + (g + a) % 5, timestamptz '2024-03-01' + g * interval '1 hour'
       FROM generate_series(1, 12) g, unnest(ARRAY[90001, 90002, 90003, 90004]) a`,
  );
  // Fails the completion of any report owned by "always-fails": a real database error on
  // every delivery, without touching the worker's code.
  await database.db.pool.query(`
    CREATE FUNCTION fail_always() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.owner_id = 'always-fails' AND NEW.status = 'Completed' THEN
        RAISE EXCEPTION 'simulated storage outage';
      END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER fail_always BEFORE UPDATE ON reports FOR EACH ROW EXECUTE FUNCTION fail_always();`);

  serviceBus = new ServiceBusClient(emulator.connectionString, {
    retryOptions: { maxRetries: 1, retryDelayInMs: 200, timeoutInMs: 5_000 },
  });
  blob = BlobServiceClient.fromConnectionString(azurite.connectionString);
  const config = loadWorkerConfig({
    NODE_ENV: "test",
    DATABASE_URL: database.url,
    SERVICEBUS_CONNECTION_STRING: emulator.connectionString,
    BLOB_CONNECTION_STRING: azurite.connectionString,
    WORKER_CONCURRENCY: "2",
    RELAY_POLL_INTERVAL_MS: "500",
    EXPORT_MAX_DELIVERIES: String(MAX_DELIVERIES),
    EXPORT_RETRY_BASE_MS: "100",
    EXPORT_RETRY_MAX_MS: "300",
    SHUTDOWN_TIMEOUT_MS: "8000",
  });
  // The dead-letter watcher is off in this file so the tests can inspect the DLQ; it has
  // its own file.
  worker = await startWorker(config, { log: silentLog, serviceBus, blob, deadLetterWatcher: false });
});

afterAll(async () => {
  await worker?.close();
  await serviceBus?.close();
  await Promise.allSettled([emulator?.close(), azurite?.stop(), database?.drop()]);
});

describe("popularity export", () => {
  it.each([
    { name: "defaults (minRatings 10, whole history)", parameters: {} },
    {
      name: "a window, a genre and a limit",
      parameters: { from: "2022-01-01", to: "2024-01-01", genre: "Jazz", minRatings: 3, limit: 7 },
    },
    { name: "a high minRatings", parameters: { minRatings: 60 } },
    { name: "a window only", parameters: { from: "2023-06-01", minRatings: 2, limit: 25 } },
  ])("writes rows equal to an independent weighted-rating computation: $name", async ({ parameters }) => {
    const { reportId } = await acceptReport(database.db.pool, parameters);
    const report = await waitForStatus(database.db.pool, reportId, "Completed");
    const csv = await downloadText(report.blob_name!);
    expect(csv).toBe(await computePopularityCsv(database.db.pool, parameters));
    const dataRows = csv.split("\r\n").length - 2;
    expect(report).toMatchObject({
      blob_name: `popularity/${reportId}.csv`,
      row_count: dataRows,
      progress_rows: dataRows,
      expected_rows: dataRows,
      size_bytes: String(Buffer.byteLength(csv)),
      attempts: 1,
      error: null,
    });
    expect(report.completed_at).toBeInstanceOf(Date);
    const properties = await blob
      .getContainerClient("reports")
      .getBlockBlobClient(report.blob_name!)
      .getProperties();
    expect(properties.contentType).toBe("text/csv; charset=utf-8");
    expect(properties.contentLength).toBe(Buffer.byteLength(csv));
  });

  it("neutralises formula-injection cells and quotes per RFC 4180", async () => {
    const { reportId } = await acceptReport(database.db.pool, { genre: "Injection", minRatings: 5 });
    const report = await waitForStatus(database.db.pool, reportId, "Completed");
    const csv = await downloadText(report.blob_name!);
    expect(csv).toContain(`,"'=HYPERLINK(""http://evil.example"",""click"")",'@evil,2020,Injection,`);
    expect(csv).toContain(",'+1,'-Minus Band,2021,Injection,");
    expect(csv).toContain(",'@x,'@evil,2022,Injection,");
    expect(csv).toContain(`,"Tab\tinside, ""quoted""",'-Minus Band,2023,Injection,`);
    expect(csv.split("\r\n")).toHaveLength(4 + 2);
  });
});

describe("delivery semantics", () => {
  it("has one effect when the same request is delivered twice at once", async () => {
    const { reportId, payload } = await acceptReport(database.db.pool, { minRatings: 5 });
    // A second message for the same report under another id (as after the duplicate
    // detection window), sent while the first is in flight.
    const sender = serviceBus.createSender(QUEUE);
    await sender.sendMessages({ messageId: randomUUID(), body: payload, contentType: "application/json" });
    await sender.close();
    const report = await waitForStatus(database.db.pool, reportId, "Completed");
    // Both messages settled, nothing left to redeliver, and the export ran once.
    await waitFor(async () => (await peekAll(serviceBus, QUEUE)).length === 0, {
      what: "the queue to be empty",
    });
    const after = await getReport(database.db.pool, reportId);
    expect(after.attempts).toBe(1);
    expect(after.completed_at).toEqual(report.completed_at);
  });

  it("completes and ignores a message for a report that is already final", async () => {
    const { reportId, payload } = await acceptReport(database.db.pool, { minRatings: 5 });
    const first = await waitForStatus(database.db.pool, reportId, "Completed");
    const sender = serviceBus.createSender(QUEUE);
    await sender.sendMessages({ messageId: randomUUID(), body: payload });
    await sender.close();
    await waitFor(async () => (await peekAll(serviceBus, QUEUE)).length === 0, {
      what: "the queue to be empty",
    });
    expect(await getReport(database.db.pool, reportId)).toEqual(first);
  });

  it("dead-letters malformed, unknown-type and unknown-report messages with a reason", async () => {
    const sender = serviceBus.createSender(QUEUE);
    const unknownReport = randomUUID();
    await sender.sendMessages([
      { messageId: "malformed-json", body: Buffer.from("{not json") },
      { messageId: "malformed-fields", body: { type: EXPORT_REQUESTED_V1, reportId: "nope" } },
      { messageId: "unknown-type", body: { type: "reports.export-requested.v9", reportId: randomUUID() } },
      {
        messageId: "unknown-report",
        body: {
          type: EXPORT_REQUESTED_V1,
          reportId: unknownReport,
          kind: "popularity",
          ownerId: "bob",
          parameters: {},
          requestedAt: new Date().toISOString(),
        },
      },
    ]);
    await sender.close();
    const received = await waitFor(
      async () => {
        await collectDeadLetters();
        const ours = ["malformed-json", "malformed-fields", "unknown-type", "unknown-report"].map((id) =>
          deadLettered.get(id),
        );
        return ours.every(Boolean) ? ours.map((m) => m!) : undefined;
      },
      { what: "four dead-lettered messages" },
    );
    const reasons = Object.fromEntries(received.map((m) => [m.messageId, m.deadLetterReason]));
    expect(reasons).toMatchObject({
      "malformed-json": "MalformedMessage",
      "malformed-fields": "MalformedMessage",
      "unknown-type": "UnknownMessageType",
      "unknown-report": "UnknownReport",
    });
    const fields = received.find((m) => m.messageId === "malformed-fields");
    expect(fields?.deadLetterErrorDescription).toContain("reportId");
  });

  it("ends Failed with a reason and in the dead-letter queue when every delivery fails", async () => {
    const { reportId, outboxId } = await acceptReport(
      database.db.pool,
      { minRatings: 5 },
      { ownerId: "always-fails" },
    );
    const report = await waitForStatus(database.db.pool, reportId, "Failed");
    expect(report.attempts).toBe(MAX_DELIVERIES);
    // The owner is told in words; the database's own message is for operators only.
    expect(report.error).toBe(REPORT_FAILURE_REASONS.exportFailed);
    expect(report.error_detail).toContain(`failed ${MAX_DELIVERIES} times`);
    expect(report.error_detail).toContain("simulated storage outage");
    const ours = await waitFor(
      async () => {
        await collectDeadLetters();
        return deadLettered.get(outboxId);
      },
      { what: "the message in the dead-letter queue" },
    );
    expect(ours?.deadLetterReason).toBe("ExportFailed");
    expect(ours?.deadLetterErrorDescription).toContain("simulated storage outage");
  });
});
