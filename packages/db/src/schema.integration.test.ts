import { REPORT_STATUSES, ZReportChangeNotice, ZReportKind, ZScheduleStatus } from "@reports/contracts";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScheduleStatus } from "./generated/prisma/enums.ts";
import { Prisma, REPORT_EVENTS_CHANNEL, ReportKind, ReportStatus } from "./index.ts";
import { createTestDatabase, type TestDatabase } from "./testing.ts";

// Proves schema.prisma and the migrated database agree: every model round-trips through the
// generated client, and the constraints the migration adds by hand hold.
describe("schema.prisma and the migrations agree", () => {
  let test: TestDatabase;

  beforeAll(async () => {
    test = await createTestDatabase({ name: "schema" });
  });

  afterAll(async () => {
    await test?.drop();
  });

  it("creates, reads and queries artists, albums and ratings (composite primary key)", async () => {
    const { prisma } = test.db;
    const artist = await prisma.artist.create({ data: { name: "The Velvet Lanterns", country: "GB" } });
    const album = await prisma.album.create({
      data: { title: "Neon Harbour", artistId: artist.id, releaseYear: 1977, genre: "Rock" },
    });
    const ratedAt = new Date("2024-03-01T12:00:00.123Z");
    await prisma.rating.createMany({
      data: [
        { userId: "u1", albumId: album.id, score: 5, ratedAt },
        { userId: "u2", albumId: album.id, score: 3, ratedAt },
      ],
    });

    const rating = await prisma.rating.findUnique({
      where: { userId_albumId: { userId: "u1", albumId: album.id } },
      include: { album: { include: { artist: true } } },
    });
    expect(rating?.ratedAt.toISOString()).toBe(ratedAt.toISOString());
    expect(rating?.album.artist.name).toBe("The Velvet Lanterns");

    const average = await prisma.rating.aggregate({ where: { albumId: album.id }, _avg: { score: true } });
    expect(average._avg.score).toBe(4);

    await expect(
      prisma.rating.create({ data: { userId: "u1", albumId: album.id, score: 4, ratedAt } }),
    ).rejects.toMatchObject({ code: "P2002" });

    // cascades: deleting the artist removes its albums and their ratings
    await prisma.artist.delete({ where: { id: artist.id } });
    expect(await prisma.rating.count()).toBe(0);
  });

  it("rejects a score outside 1..5 with the hand-added CHECK constraint", async () => {
    const { prisma, pool } = test.db;
    const artist = await prisma.artist.create({ data: { name: "Check" } });
    const album = await prisma.album.create({
      data: { title: "Six", artistId: artist.id, releaseYear: 2000, genre: "Jazz" },
    });
    await expect(
      prisma.rating.create({ data: { userId: "u", albumId: album.id, score: 6, ratedAt: new Date() } }),
    ).rejects.toThrow();
    await expect(
      pool.query("INSERT INTO ratings (user_id, album_id, score, rated_at) VALUES ('u', $1, 0, now())", [
        album.id,
      ]),
    ).rejects.toMatchObject({ code: "23514", constraint: "ratings_score_check" });
  });

  it("creates and reads reports with enums, Json, BigInt and database defaults", async () => {
    const { prisma } = test.db;
    const parameters = { from: "2024-01-01", to: "2024-12-31", genre: "Rock", minRatings: 10 };
    const report = await prisma.report.create({
      data: { kind: ReportKind.popularity, ownerId: "owner-1", parameters, idempotencyKey: "k1" },
    });
    expect(report.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(report.status).toBe(ReportStatus.Pending);
    expect(report.attempts).toBe(0);
    expect(report.progressRows).toBe(0);
    expect(report.createdAt).toBeInstanceOf(Date);

    const updated = await prisma.report.update({
      where: { id: report.id },
      data: {
        status: ReportStatus.Completed,
        sizeBytes: 9_007_199_254_740_993n,
        rowCount: 42,
        expectedRows: 42,
        blobName: `popularity/${report.id}.csv`,
        completedAt: new Date(),
      },
    });
    expect(updated.sizeBytes).toBe(9_007_199_254_740_993n);
    expect(updated.updatedAt.getTime()).toBeGreaterThanOrEqual(report.updatedAt.getTime());

    const found = await prisma.report.findFirst({
      where: { ownerId: "owner-1", status: { in: [ReportStatus.Completed, ReportStatus.Failed] } },
    });
    expect(found?.parameters).toEqual(parameters);

    // a user's reports newest first, keyset on (created_at, id)
    const page = await prisma.report.findMany({
      where: { ownerId: "owner-1" },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: 20,
    });
    expect(page.map((r) => r.id)).toEqual([report.id]);
  });

  it("rejects a second report with the same owner and idempotency key (P2002) but not another owner's", async () => {
    const { prisma } = test.db;
    const data = { kind: ReportKind.popularity, parameters: {}, idempotencyKey: "same-key" };
    await prisma.report.create({ data: { ...data, ownerId: "owner-a" } });
    const error = await prisma.report
      .create({ data: { ...data, ownerId: "owner-a" } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Prisma.PrismaClientKnownRequestError);
    expect((error as Prisma.PrismaClientKnownRequestError).code).toBe("P2002");
    await expect(prisma.report.create({ data: { ...data, ownerId: "owner-b" } })).resolves.toBeDefined();
    // NULL keys never collide
    await prisma.report.create({ data: { ...data, idempotencyKey: null, ownerId: "owner-a" } });
    await prisma.report.create({ data: { ...data, idempotencyKey: null, ownerId: "owner-a" } });
  });

  it("creates, claims and reads outbox messages", async () => {
    const { prisma, pool } = test.db;
    const message = await prisma.outboxMessage.create({
      data: {
        type: "reports.export-requested.v1",
        payload: { reportId: "r1", nested: { n: 1 } },
        correlationId: "r1",
        traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
      },
    });
    expect(message.sentAt).toBeNull();
    expect(message.attempts).toBe(0);

    const claimed = await pool.query<{ id: string }>(
      `UPDATE outbox_messages SET locked_by = 'relay-1', locked_until = now() + interval '30 seconds'
        WHERE id IN (SELECT id FROM outbox_messages WHERE sent_at IS NULL
                     AND (locked_until IS NULL OR locked_until < now())
                     ORDER BY created_at LIMIT 10 FOR UPDATE SKIP LOCKED)
        RETURNING id`,
    );
    expect(claimed.rows.map((r) => r.id)).toEqual([message.id]);

    await prisma.outboxMessage.update({
      where: { id: message.id },
      data: { sentAt: new Date(), attempts: 1 },
    });
    expect(await prisma.outboxMessage.count({ where: { sentAt: null } })).toBe(0);
  });

  // The lifecycle is defined once, in @reports/contracts; the enum in schema.prisma (hence the
  // generated client) and the one the migrations create must list the same values in order.
  it("knows exactly the report statuses and kinds of @reports/contracts, in schema.prisma and in the database", async () => {
    const enumValues = async (type: string) =>
      (
        await test.db.pool.query<{ value: string }>(
          `SELECT e.enumlabel AS value FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid
            WHERE t.typname = $1 ORDER BY e.enumsortorder`,
          [type],
        )
      ).rows.map((row) => row.value);
    expect(Object.values(ReportStatus)).toEqual(REPORT_STATUSES);
    expect(await enumValues("ReportStatus")).toEqual(REPORT_STATUSES);
    expect(Object.values(ReportKind)).toEqual(ZReportKind.options);
    expect(await enumValues("ReportKind")).toEqual(ZReportKind.options);
    expect(Object.values(ScheduleStatus)).toEqual(ZScheduleStatus.options);
    expect(await enumValues("ScheduleStatus")).toEqual(ZScheduleStatus.options);
  });

  it("keeps one report per schedule and occurrence, and keeps the reports of a deleted schedule", async () => {
    const { prisma } = test.db;
    const schedule = await prisma.reportSchedule.create({
      data: {
        id: crypto.randomUUID(),
        ownerId: "alice",
        name: "Daily",
        kind: "popularity",
        parameters: { minRatings: 10 },
        recurrence: { frequency: "daily", time: "06:00" },
        cron: "0 6 * * *",
        timeZone: "UTC",
        nextRunAt: new Date("2026-12-01T06:00:00Z"),
      },
    });
    const occurrence = new Date("2026-11-30T06:00:00Z");
    const report = (id: string) => ({
      id,
      kind: "popularity" as const,
      ownerId: "alice",
      parameters: { minRatings: 10 },
      scheduleId: schedule.id,
      scheduledFor: occurrence,
    });
    const first = await prisma.report.create({ data: report(crypto.randomUUID()) });
    await expect(prisma.report.create({ data: report(crypto.randomUUID()) })).rejects.toMatchObject({
      code: "P2002",
    });
    await prisma.reportSchedule.delete({ where: { id: schedule.id } });
    expect(await prisma.report.findUnique({ where: { id: first.id } })).toMatchObject({
      scheduleId: null,
      scheduledFor: occurrence,
    });
  });

  it("bumps a report's version on every update and announces each change on report_events at commit", async () => {
    const { prisma, pool } = test.db;
    const listener = new pg.Client({ connectionString: test.url });
    await listener.connect();
    const notices: unknown[] = [];
    listener.on("notification", (message) => notices.push(JSON.parse(message.payload ?? "null")));
    await listener.query(`LISTEN ${REPORT_EVENTS_CHANNEL}`);
    try {
      const report = await prisma.report.create({
        data: { kind: ReportKind.popularity, ownerId: "owner-events", parameters: {} },
      });
      expect(report.version).toBe(1n);
      await pool.query("UPDATE reports SET status = 'Processing' WHERE id = $1", [report.id]);
      // a writer cannot set the version itself: the trigger decides it
      await pool.query("UPDATE reports SET progress_rows = 5, version = 100 WHERE id = $1", [report.id]);
      // a rolled-back change is never announced
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        await client.query("UPDATE reports SET status = 'Cancelled' WHERE id = $1", [report.id]);
        await client.query("ROLLBACK");
      } finally {
        client.release();
      }
      await pool.query("UPDATE reports SET status = 'Cancelled' WHERE id = $1", [report.id]);
      const row = await prisma.report.findUniqueOrThrow({ where: { id: report.id } });
      expect(row.version).toBe(4n);

      const deadline = Date.now() + 10_000;
      while (notices.length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(notices.map((notice) => ZReportChangeNotice.parse(notice))).toEqual([
        { reportId: report.id, ownerId: "owner-events", status: "Pending", version: 1 },
        { reportId: report.id, ownerId: "owner-events", status: "Processing", version: 2 },
        { reportId: report.id, ownerId: "owner-events", status: "Processing", version: 3 },
        { reportId: report.id, ownerId: "owner-events", status: "Cancelled", version: 4 },
      ]);

      // an owner id too long for a NOTIFY payload does not fail the write; it is left out
      const long = await prisma.report.create({
        data: { kind: ReportKind.popularity, ownerId: "x".repeat(10_000), parameters: {} },
      });
      while (notices.length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(notices[4]).toEqual({ reportId: long.id, ownerId: null, status: "Pending", version: 1 });
    } finally {
      await listener.end();
    }
  });

  it("has the indexes the pipeline's queries rely on", async () => {
    const { rows } = await test.db.pool.query<{ indexname: string }>(
      "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname",
    );
    expect(rows.map((r) => r.indexname)).toEqual(
      expect.arrayContaining([
        "albums_artist_id_idx",
        "albums_genre_idx",
        "outbox_messages_sent_at_created_at_idx",
        "ratings_album_id_rated_at_idx",
        "ratings_pkey",
        "ratings_rated_at_idx",
        "reports_owner_id_created_at_id_idx",
        "reports_owner_id_idempotency_key_key",
      ]),
    );
  });
});
