import { EXPORT_REQUESTED_V1, ZExportRequestedV1 } from "@reports/contracts";
import { OUTBOX_NOTIFY_CHANNEL } from "@reports/db";
import { seedCatalogue } from "@reports/db/seed";
import { createTestDatabase, type TestDatabase } from "@reports/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DownloadUrlSigner } from "../download-url.ts";
import { AppError, isDatabaseUnavailable, toProblem } from "../errors.ts";
import { createStoppedDatabase, createUnreachableDatabase } from "../testing/stopped-database.ts";
import { getReport, listReports, requestReport } from "./reports.ts";

const alice = { userId: "alice" };
const bob = { userId: "bob" };
const TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

// Signs nothing: these tests are about the database; the Azurite tests cover real links.
const signer: DownloadUrlSigner = {
  createDownloadUrl: async ({ blobName }) => `https://storage.test/reports/${blobName}?sig=x`,
};

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

let testDb: TestDatabase;

beforeAll(async () => {
  testDb = await createTestDatabase({ name: "api_reports" });
  // A catalogue with every genre (a requested genre must be one of them); no ratings needed.
  await seedCatalogue({ pool: testDb.db.pool, albums: 200, ratings: 0, seed: 1 });
});

afterAll(async () => {
  await testDb?.drop();
});

describe("requestReport", () => {
  it("writes a Pending report and its outbox message together", async () => {
    const { report, created } = await requestReport({
      db: testDb.db,
      user: alice,
      input: { kind: "popularity", parameters: { genre: "Jazz", minRatings: 5, limit: 10 } },
      traceparent: TRACEPARENT,
    });
    expect(created).toBe(true);
    expect(report).toMatchObject({
      status: "Pending",
      kind: "popularity",
      parameters: { genre: "Jazz", minRatings: 5, limit: 10 },
    });
    const row = await testDb.db.prisma.report.findUniqueOrThrow({ where: { id: report.reportId } });
    expect(row).toMatchObject({ ownerId: "alice", status: "Pending", idempotencyKey: null });
    const outbox = await testDb.db.prisma.outboxMessage.findMany({
      where: { correlationId: report.reportId },
    });
    expect(outbox).toHaveLength(1);
    expect(outbox[0]).toMatchObject({ type: EXPORT_REQUESTED_V1, traceparent: TRACEPARENT, sentAt: null });
    const payload = ZExportRequestedV1.parse(outbox[0]!.payload);
    expect(payload).toEqual({
      type: EXPORT_REQUESTED_V1,
      reportId: report.reportId,
      kind: "popularity",
      ownerId: "alice",
      parameters: { genre: "Jazz", minRatings: 5, limit: 10 },
      requestedAt: report.createdAt,
    });
  });

  it("matches the genre without regard to letter case and keeps the catalogue's spelling", async () => {
    const first = await requestReport({
      db: testDb.db,
      user: alice,
      input: { kind: "popularity", parameters: { genre: "jazz" }, idempotencyKey: "genre-case" },
    });
    expect(first.report.parameters.genre).toBe("Jazz");
    const outbox = await testDb.db.prisma.outboxMessage.findFirstOrThrow({
      where: { correlationId: first.report.reportId },
    });
    expect(ZExportRequestedV1.parse(outbox.payload).parameters.genre).toBe("Jazz");
    // The same request in another case is the same request: the key replays it.
    const again = await requestReport({
      db: testDb.db,
      user: alice,
      input: { kind: "popularity", parameters: { genre: "JAZZ" }, idempotencyKey: "genre-case" },
    });
    expect(again).toMatchObject({ created: false, report: { reportId: first.report.reportId } });
  });

  it("answers a genre the catalogue does not have with 400 naming the known genres", async () => {
    const error = await rejection(
      requestReport({
        db: testDb.db,
        user: alice,
        input: { kind: "popularity", parameters: { genre: "Jaz" } },
      }),
    );
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.httpStatus).toBe(400);
    expect(error.detail).toMatch(/^Unknown genre "Jaz"\. Known genres: Blues, Classical, .*Jazz.*, Soul\.$/);
    expect(error.fieldErrors).toEqual([{ field: "parameters.genre", message: error.detail }]);
    expect(
      await testDb.db.prisma.report.count({ where: { parameters: { path: ["genre"], equals: "Jaz" } } }),
    ).toBe(0);
  });

  it("notifies the outbox channel when the transaction commits", async () => {
    const listener = await testDb.db.pool.connect();
    try {
      await listener.query(`LISTEN ${OUTBOX_NOTIFY_CHANNEL}`);
      const notified = new Promise<string>((resolve) => {
        listener.on("notification", (message) => resolve(message.channel));
      });
      await requestReport({ db: testDb.db, user: alice, input: { kind: "popularity" } });
      await expect(notified).resolves.toBe(OUTBOX_NOTIFY_CHANNEL);
    } finally {
      await listener.query(`UNLISTEN ${OUTBOX_NOTIFY_CHANNEL}`);
      listener.release();
    }
  });

  it("leaves no report behind when the outbox insert fails", async () => {
    // A real failure inside the transaction: a trigger refusing outbox rows for this owner.
    await testDb.db.pool.query(`
      CREATE FUNCTION refuse_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.payload->>'ownerId' = 'atomic-carol' THEN RAISE EXCEPTION 'outbox refused for test'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER refuse_outbox BEFORE INSERT ON outbox_messages FOR EACH ROW EXECUTE FUNCTION refuse_outbox();
    `);
    try {
      await expect(
        requestReport({ db: testDb.db, user: { userId: "atomic-carol" }, input: { kind: "popularity" } }),
      ).rejects.toThrow();
      expect(await testDb.db.prisma.report.count({ where: { ownerId: "atomic-carol" } })).toBe(0);
    } finally {
      await testDb.db.pool.query(
        "DROP TRIGGER refuse_outbox ON outbox_messages; DROP FUNCTION refuse_outbox();",
      );
    }
  });

  it("refuses invalid parameters naming each bad field", async () => {
    const error = await rejection(
      requestReport({
        db: testDb.db,
        user: alice,
        input: {
          kind: "popularity",
          parameters: { from: "2024-02-30", minRatings: 0, colour: "red" } as never,
        },
      }),
    );
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.fieldErrors?.map((e) => e.field).sort()).toEqual([
      "parameters.colour",
      "parameters.from",
      "parameters.minRatings",
    ]);
  });

  it("returns the same report for the same Idempotency-Key and writes one outbox row", async () => {
    const input = { kind: "popularity" as const, parameters: { limit: 3 }, idempotencyKey: "key-1" };
    const first = await requestReport({ db: testDb.db, user: alice, input });
    const second = await requestReport({ db: testDb.db, user: alice, input });
    expect(first.created).toBe(true);
    expect(second.created).toBe(false);
    expect(second.report.reportId).toBe(first.report.reportId);
    expect(
      await testDb.db.prisma.outboxMessage.count({ where: { correlationId: first.report.reportId } }),
    ).toBe(1);
    // The same key from another user is another request.
    const bobs = await requestReport({ db: testDb.db, user: bob, input });
    expect(bobs.created).toBe(true);
    expect(bobs.report.reportId).not.toBe(first.report.reportId);
  });

  it("answers 409 when an Idempotency-Key is reused with different parameters", async () => {
    await requestReport({
      db: testDb.db,
      user: alice,
      input: { kind: "popularity", parameters: { limit: 5 }, idempotencyKey: "key-2" },
    });
    const error = await rejection(
      requestReport({
        db: testDb.db,
        user: alice,
        input: { kind: "popularity", parameters: { limit: 6 }, idempotencyKey: "key-2" },
      }),
    );
    expect(error.code).toBe("CONFLICT");
  });

  it("creates one report when the same key races in concurrently", async () => {
    const input = { kind: "popularity" as const, parameters: { genre: "Rock" }, idempotencyKey: "race-key" };
    const results = await Promise.all(
      Array.from({ length: 5 }, () => requestReport({ db: testDb.db, user: alice, input })),
    );
    expect(new Set(results.map((r) => r.report.reportId)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(
      await testDb.db.prisma.report.count({ where: { ownerId: "alice", idempotencyKey: "race-key" } }),
    ).toBe(1);
  });
});

describe("getReport", () => {
  it("returns the owner's report and 404 for anyone else or an unknown id", async () => {
    const { report } = await requestReport({ db: testDb.db, user: alice, input: { kind: "popularity" } });
    await expect(
      getReport({ db: testDb.db, signer, user: alice, input: { reportId: report.reportId } }),
    ).resolves.toMatchObject({ reportId: report.reportId, status: "Pending" });
    expect(
      (await rejection(getReport({ db: testDb.db, signer, user: bob, input: { reportId: report.reportId } })))
        .code,
    ).toBe("NOT_FOUND");
    expect(
      (
        await rejection(
          getReport({
            db: testDb.db,
            signer,
            user: alice,
            input: { reportId: "6f1c1b1e-0000-4000-8000-000000000000" },
          }),
        )
      ).code,
    ).toBe("NOT_FOUND");
  });

  it("refuses an id that is not a UUID", async () => {
    const error = await rejection(
      getReport({ db: testDb.db, signer, user: alice, input: { reportId: "42" } }),
    );
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.fieldErrors).toEqual([expect.objectContaining({ field: "reportId" })]);
  });

  it("shows progress while Processing and a download link, size and rows once Completed", async () => {
    const { report } = await requestReport({ db: testDb.db, user: alice, input: { kind: "popularity" } });
    await testDb.db.prisma.report.update({
      where: { id: report.reportId },
      data: { status: "Processing", startedAt: new Date(), progressRows: 40, expectedRows: 100 },
    });
    const processing = await getReport({ db: testDb.db, signer, user: alice, input: report });
    expect(processing).toMatchObject({ status: "Processing", progress: { rowsWritten: 40, totalRows: 100 } });
    expect(processing.downloadUrl).toBeUndefined();
    await testDb.db.prisma.report.update({
      where: { id: report.reportId },
      data: {
        status: "Completed",
        completedAt: new Date(),
        progressRows: 100,
        rowCount: 100,
        sizeBytes: 4096n,
        blobName: `popularity/${report.reportId}.csv`,
      },
    });
    const completed = await getReport({ db: testDb.db, signer, user: alice, input: report });
    expect(completed).toMatchObject({
      status: "Completed",
      rowCount: 100,
      sizeBytes: 4096,
      downloadUrl: `https://storage.test/reports/popularity/${report.reportId}.csv?sig=x`,
    });
    expect(completed.completedAt).toEqual(expect.any(String));
  });

  it("shows the reason of a Failed report", async () => {
    const { report } = await requestReport({ db: testDb.db, user: alice, input: { kind: "popularity" } });
    await testDb.db.prisma.report.update({
      where: { id: report.reportId },
      data: { status: "Failed", error: "The export failed 5 times: database timeout." },
    });
    await expect(getReport({ db: testDb.db, signer, user: alice, input: report })).resolves.toMatchObject({
      status: "Failed",
      error: "The export failed 5 times: database timeout.",
    });
  });
});

describe("listReports", () => {
  it("pages through the owner's reports newest first without gaps or repeats", async () => {
    const owner = { userId: "lister" };
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      ids.push(
        (await requestReport({ db: testDb.db, user: owner, input: { kind: "popularity" } })).report.reportId,
      );
    }
    // Two reports in the same millisecond must still be ordered (the id breaks the tie).
    await testDb.db.prisma.report.updateMany({
      where: { id: { in: [ids[2]!, ids[3]!] } },
      data: { createdAt: new Date("2030-01-01T00:00:00.000Z") },
    });
    await requestReport({ db: testDb.db, user: bob, input: { kind: "popularity" } });

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await listReports({ db: testDb.db, user: owner, input: { limit: 3, cursor } });
      seen.push(...page.items.map((item) => item.reportId));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(7);
    expect(new Set(seen)).toEqual(new Set(ids));
    const rows = await testDb.db.prisma.report.findMany({
      where: { ownerId: "lister" },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      select: { id: true },
    });
    expect(seen).toEqual(rows.map((row) => row.id));
    expect(seen.slice(0, 2).sort()).toEqual([ids[2]!, ids[3]!].sort());
  });

  it("refuses a cursor it did not issue", async () => {
    const error = await rejection(
      listReports({ db: testDb.db, user: alice, input: { cursor: "bm90LWEtY3Vyc29y" } }),
    );
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.fieldErrors).toEqual([expect.objectContaining({ field: "cursor" })]);
  });
});

describe("when the database is down", () => {
  it("reports UNAVAILABLE for a stopped server the app was connected to", async () => {
    const stopped = await createStoppedDatabase();
    try {
      const failure = await requestReport({
        db: stopped.db,
        user: alice,
        input: { kind: "popularity" },
      }).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(isDatabaseUnavailable(failure)).toBe(true);
      expect(toProblem(failure)).toMatchObject({ status: 503, code: "UNAVAILABLE" });
      const poolFailure = await stopped.db.pool.query("SELECT 1").then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(isDatabaseUnavailable(poolFailure)).toBe(true);
    } finally {
      await stopped.cleanup();
    }
  });

  it("reports UNAVAILABLE when nothing listens on the database port", async () => {
    const db = await createUnreachableDatabase();
    try {
      for (const attempt of [
        () => requestReport({ db, user: alice, input: { kind: "popularity" } }),
        () => listReports({ db, user: alice, input: {} }),
        () => db.pool.query("SELECT 1"),
      ]) {
        const failure = await attempt().then(
          () => undefined,
          (err: unknown) => err,
        );
        expect(isDatabaseUnavailable(failure), String(failure)).toBe(true);
      }
    } finally {
      await db.close();
    }
  });
});
