import { randomUUID } from "node:crypto";
import { BlobServiceClient, type ContainerClient } from "@azure/storage-blob";
import { getReport as getReportResource } from "@reports/api";
import { POPULARITY_FILE } from "@reports/contracts";
import { createTestDatabase, type TestDatabase } from "@reports/db/testing";
import { type RunningAzurite, startAzurite } from "@reports/local-stack";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadWorkerConfig } from "../src/config.ts";
import { expireFiles } from "../src/retention/expire-files.ts";
import { startWorker } from "../src/worker.ts";
import { getReport, silentLog, waitForStatus } from "./support.ts";

let database: TestDatabase;
let azurite: RunningAzurite;
let container: ContainerClient;

const signer = {
  createDownloadUrl: async ({ blobName }: { blobName: string }) => `https://files.test/${blobName}`,
};

/**
 * A report in `status` that completed `daysAgo` days ago naming `blobName` (uploaded with it):
 * by default its own file, named as the report file format names it.
 */
async function insertReport(
  status: "Completed" | "Failed",
  daysAgo: number,
  file: string | null | "own" = "own",
  ownerId = "alice",
): Promise<string> {
  const id = randomUUID();
  const blobName = file === "own" ? POPULARITY_FILE.blobName(id) : file;
  await database.db.pool.query(
    `INSERT INTO reports (id, kind, owner_id, parameters, status, created_at, updated_at, completed_at, blob_name, row_count, size_bytes)
     VALUES ($1, 'popularity', $2, '{"minRatings": 10}', $3, now() - make_interval(days => $4), now(),
             now() - make_interval(days => $4), $5, 1, 5)`,
    [id, ownerId, status, daysAgo, blobName],
  );
  if (blobName && !(await container.getBlockBlobClient(blobName).exists())) {
    await container.getBlockBlobClient(blobName).upload("a,b\r\n", 5);
  }
  return id;
}

const blobExists = (blobName: string) => container.getBlockBlobClient(blobName).exists();
const uniqueBlob = (day = "2026/10/01") => `popularity/${day}/${randomUUID()}.csv`;

beforeAll(async () => {
  [database, azurite] = await Promise.all([createTestDatabase({ name: "worker_retention" }), startAzurite()]);
  container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient("reports");
  await container.createIfNotExists();
});

afterAll(async () => {
  await Promise.allSettled([azurite?.stop(), database?.drop()]);
});

beforeEach(async () => {
  await database.db.pool.query("DELETE FROM reports");
});

describe("expireFiles", () => {
  it("removes files past the period and marks every report of each Expired; younger files and other reports stay", async () => {
    const unrelated = uniqueBlob();
    await container.getBlockBlobClient(unrelated).upload("x", 1);
    const oldReport = await insertReport("Completed", 31);
    const old = POPULARITY_FILE.blobName(oldReport);
    // Two reports served by one file (identical requests may share one): the first completed
    // 31 days ago, the second joined it 2 days ago.
    const sharedFirst = await insertReport("Completed", 31, "own", "bob");
    const shared = POPULARITY_FILE.blobName(sharedFirst);
    const sharedLater = await insertReport("Completed", 2, shared, "carol");
    const youngReport = await insertReport("Completed", 5);
    const young = POPULARITY_FILE.blobName(youngReport);
    const failed = await insertReport("Failed", 40, null);

    const result = await expireFiles({ pool: database.db.pool, container, retentionDays: 30, batchSize: 10 });
    expect(result).toEqual({ expiredFiles: 2, expiredReports: 3, deletedFiles: 2 });

    for (const id of [oldReport, sharedFirst, sharedLater]) {
      expect(await getReport(database.db.pool, id)).toMatchObject({ status: "Expired", blob_name: null });
    }
    expect(await getReport(database.db.pool, youngReport)).toMatchObject({
      status: "Completed",
      blob_name: young,
    });
    expect((await getReport(database.db.pool, failed)).status).toBe("Failed");
    expect(await blobExists(old)).toBe(false);
    expect(await blobExists(shared)).toBe(false);
    expect(await blobExists(young)).toBe(true);
    expect(await blobExists(unrelated)).toBe(true);

    // The API says so: Expired, and no download link.
    const resource = await getReportResource({
      db: database.db,
      signer,
      user: { userId: "carol" },
      input: { reportId: sharedLater },
    });
    expect(resource.status).toBe("Expired");
    expect(resource.downloadUrl).toBeUndefined();
    const young_ = await getReportResource({
      db: database.db,
      signer,
      user: { userId: "alice" },
      input: { reportId: youngReport },
    });
    expect(young_.downloadUrl).toBe(`https://files.test/${young}`);

    // A second round has nothing left to do.
    expect(
      await expireFiles({ pool: database.db.pool, container, retentionDays: 30, batchSize: 10 }),
    ).toEqual({
      expiredFiles: 0,
      expiredReports: 0,
      deletedFiles: 0,
    });
  });

  it("retries a delete that failed: the reports are Expired at once, the file goes in a later round", async () => {
    const id = await insertReport("Completed", 45);
    const blobName = POPULARITY_FILE.blobName(id);
    const unreachable = {
      getBlockBlobClient: () => ({
        deleteIfExists: async () => {
          throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });
        },
      }),
    } as unknown as ContainerClient;
    await expect(
      expireFiles({ pool: database.db.pool, container: unreachable, retentionDays: 30, batchSize: 10 }),
    ).rejects.toThrow(/ECONNREFUSED/);
    expect(await getReport(database.db.pool, id)).toMatchObject({ status: "Expired", blob_name: blobName });
    expect(await blobExists(blobName)).toBe(true);

    const retried = await expireFiles({
      pool: database.db.pool,
      container,
      retentionDays: 30,
      batchSize: 10,
    });
    expect(retried).toEqual({ expiredFiles: 0, expiredReports: 0, deletedFiles: 1 });
    expect(await blobExists(blobName)).toBe(false);
    expect(await getReport(database.db.pool, id)).toMatchObject({ status: "Expired", blob_name: null });
  });

  it("works a backlog off in batches", async () => {
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await insertReport("Completed", 60));
    const first = await expireFiles({ pool: database.db.pool, container, retentionDays: 30, batchSize: 2 });
    expect(first).toMatchObject({ expiredFiles: 2, deletedFiles: 2 });
    for (let round = 0; round < 3; round++) {
      await expireFiles({ pool: database.db.pool, container, retentionDays: 30, batchSize: 2 });
    }
    const { rows } = await database.db.pool.query(
      "SELECT status, blob_name FROM reports WHERE id = ANY($1)",
      [ids],
    );
    expect(rows).toEqual(Array.from({ length: 5 }, () => ({ status: "Expired", blob_name: null })));
  });
});

describe("the worker's retention loop", () => {
  it("expires files older than FILE_RETENTION_DAYS on its own", async () => {
    const oldReport = await insertReport("Completed", 3);
    const youngReport = await insertReport("Completed", 0);
    const old = POPULARITY_FILE.blobName(oldReport);
    const young = POPULARITY_FILE.blobName(youngReport);
    const config = loadWorkerConfig({
      NODE_ENV: "test",
      DATABASE_URL: database.url,
      // Relay, consumer and dead-letter watcher are off: nothing connects to the broker.
      SERVICEBUS_CONNECTION_STRING: "Endpoint=sb://127.0.0.1:1;SharedAccessKeyName=a;SharedAccessKey=b",
      BLOB_CONNECTION_STRING: azurite.connectionString,
      FILE_RETENTION_DAYS: "2",
      RETENTION_INTERVAL_MS: "200",
    });
    const worker = await startWorker(config, {
      log: silentLog,
      relay: false,
      consumer: false,
      deadLetterWatcher: false,
      scheduler: false,
    });
    try {
      await waitForStatus(database.db.pool, oldReport, "Expired");
      await expect.poll(() => blobExists(old), { timeout: 10_000 }).toBe(false);
      expect((await getReport(database.db.pool, youngReport)).status).toBe("Completed");
      expect(await blobExists(young)).toBe(true);
    } finally {
      await worker.close();
    }
  });
});
