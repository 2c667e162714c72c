import { EXPORT_REQUESTED_V1, nextOccurrence, ZExportRequestedV1 } from "@reports/contracts";
import { createDb, type Db } from "@reports/db";
import { createTestDatabase, type TestDatabase } from "@reports/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../errors.ts";
import { fireDueSchedules } from "./scheduler.ts";
import {
  createSchedule,
  deleteSchedule,
  getSchedule,
  listSchedules,
  pauseSchedule,
  resumeSchedule,
  updateSchedule,
} from "./schedules.ts";

const alice = { userId: "alice" };
const bob = { userId: "bob" };

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

let testDb: TestDatabase;
let db: Db;

beforeAll(async () => {
  testDb = await createTestDatabase({ name: "api_schedules" });
  db = testDb.db;
  // The genres the schedules below name (a genre the catalogue lacks is refused).
  const artist = await db.prisma.artist.create({ data: { name: "Genres" } });
  await db.prisma.album.createMany({
    data: ["Jazz", "Rock"].map((genre) => ({ title: genre, artistId: artist.id, releaseYear: 2000, genre })),
  });
});

afterAll(async () => {
  await testDb?.drop();
});

/** Moves a schedule's next run to `at`, as if time had passed (or the scheduler had been down). */
async function setNextRun(scheduleId: string, at: Date) {
  await db.pool.query("UPDATE report_schedules SET next_run_at = $2 WHERE id = $1", [scheduleId, at]);
}

async function reportsOf(scheduleId: string) {
  return db.prisma.report.findMany({
    where: { scheduleId },
    orderBy: { scheduledFor: "asc" },
    select: { id: true, ownerId: true, status: true, scheduledFor: true, parameters: true },
  });
}

describe("schedules of a user", () => {
  it("creates an active schedule whose next run is the recurrence's next occurrence", async () => {
    const before = new Date();
    const schedule = await createSchedule({
      db,
      user: alice,
      input: {
        name: "Weekly jazz",
        parameters: { genre: "Jazz", limit: 100 },
        recurrence: { frequency: "weekly", dayOfWeek: "monday", time: "06:00" },
        timeZone: "Europe/Berlin",
      },
    });
    expect(schedule).toMatchObject({
      name: "Weekly jazz",
      kind: "popularity",
      status: "Active",
      cron: "0 6 * * 1",
      timeZone: "Europe/Berlin",
      parameters: { genre: "Jazz", limit: 100, minRatings: 10 },
    });
    const expected = nextOccurrence("0 6 * * 1", "Europe/Berlin", before);
    expect(schedule.nextRunAt).toBe(expected?.toISOString());
    expect(schedule.lastRunAt).toBeUndefined();
  });

  it("lists, gets, pauses, resumes, changes and deletes only the owner's schedules", async () => {
    const mine = await createSchedule({
      db,
      user: alice,
      input: { name: "Daily", recurrence: { frequency: "daily", time: "05:00" } },
    });
    const theirs = await createSchedule({
      db,
      user: bob,
      input: { name: "Bob's", recurrence: { frequency: "daily", time: "05:00" } },
    });
    const list = await listSchedules({ db, user: alice });
    expect(list.items.map((item) => item.scheduleId)).toContain(mine.scheduleId);
    expect(list.items.map((item) => item.scheduleId)).not.toContain(theirs.scheduleId);

    const input = { scheduleId: theirs.scheduleId };
    for (const call of [getSchedule, pauseSchedule, resumeSchedule, deleteSchedule]) {
      expect((await rejection(call({ db, user: alice, input }))).code).toBe("NOT_FOUND");
    }
    const update = updateSchedule({ db, user: alice, input: { ...input, changes: { name: "Mine now" } } });
    expect((await rejection(update)).code).toBe("NOT_FOUND");
    expect((await getSchedule({ db, user: bob, input })).name).toBe("Bob's");

    const paused = await pauseSchedule({ db, user: alice, input: { scheduleId: mine.scheduleId } });
    expect(paused).toMatchObject({ status: "Paused" });
    expect(paused.nextRunAt).toBeUndefined();
    expect((await pauseSchedule({ db, user: alice, input: { scheduleId: mine.scheduleId } })).status).toBe(
      "Paused",
    );
    const resumed = await resumeSchedule({ db, user: alice, input: { scheduleId: mine.scheduleId } });
    expect(resumed.status).toBe("Active");
    expect(new Date(resumed.nextRunAt!).getTime()).toBeGreaterThan(Date.now());

    const changed = await updateSchedule({
      db,
      user: alice,
      input: {
        scheduleId: mine.scheduleId,
        changes: {
          recurrence: { frequency: "monthly", dayOfMonth: 1, time: "08:15" },
          timeZone: "Asia/Tokyo",
        },
      },
    });
    expect(changed).toMatchObject({ cron: "15 8 1 * *", timeZone: "Asia/Tokyo", name: "Daily" });
    expect(changed.nextRunAt).toBe(nextOccurrence("15 8 1 * *", "Asia/Tokyo", new Date())?.toISOString());

    await deleteSchedule({ db, user: alice, input: { scheduleId: mine.scheduleId } });
    expect(
      (await rejection(getSchedule({ db, user: alice, input: { scheduleId: mine.scheduleId } }))).code,
    ).toBe("NOT_FOUND");
  });

  it("stores the catalogue's spelling of a genre and refuses a genre the catalogue lacks", async () => {
    const artist = await db.prisma.artist.create({ data: { name: "Genre test" } });
    await db.prisma.album.create({
      data: { title: "G", artistId: artist.id, releaseYear: 2000, genre: "Jazz" },
    });
    const schedule = await createSchedule({
      db,
      user: alice,
      input: {
        name: "jazz",
        parameters: { genre: "jazz" },
        recurrence: { frequency: "daily", time: "06:00" },
      },
    });
    expect(schedule.parameters.genre).toBe("Jazz");
    const unknown = await rejection(
      updateSchedule({
        db,
        user: alice,
        input: { scheduleId: schedule.scheduleId, changes: { parameters: { genre: "Polka" } } },
      }),
    );
    expect(unknown.code).toBe("BAD_REQUEST");
    expect(unknown.fieldErrors?.map((error) => error.field)).toEqual(["parameters.genre"]);
  });

  it("refuses bad input with field errors and a schedule past the per-user maximum with 409", async () => {
    const bad = await rejection(
      createSchedule({
        db,
        user: alice,
        input: {
          name: "x",
          recurrence: { frequency: "cron", expression: "*/10 * * * *" },
          timeZone: "Nowhere/X",
        },
      }),
    );
    expect(bad.code).toBe("BAD_REQUEST");
    expect(bad.fieldErrors?.map((error) => error.field).sort()).toEqual([
      "recurrence.expression",
      "timeZone",
    ]);

    const carol = { userId: `carol-${Date.now()}` };
    const input = { name: "n", recurrence: { frequency: "daily", time: "01:00" } } as const;
    // Three at once against a maximum of two: the per-owner lock lets exactly two through.
    const results = await Promise.allSettled(
      [1, 2, 3].map(() => createSchedule({ db, user: carol, input, maxPerUser: 2 })),
    );
    expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(2);
    const refused = results.find((result) => result.status === "rejected") as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({ code: "CONFLICT" });
    expect((await listSchedules({ db, user: carol })).items).toHaveLength(2);
  });
});

describe("fireDueSchedules", () => {
  it("creates one report and its outbox row per occurrence, and moves the next run on", async () => {
    const schedule = await createSchedule({
      db,
      user: alice,
      input: {
        name: "Fires",
        parameters: { genre: "Rock" },
        recurrence: { frequency: "daily", time: "06:00" },
      },
    });
    const due = nextOccurrence("0 6 * * *", "UTC", new Date(Date.now() - 86_400_000))!;
    await setNextRun(schedule.scheduleId, due);

    const { firings, nextDueInMs } = await fireDueSchedules({ db, batchSize: 10 });
    expect(firings).toContainEqual(
      expect.objectContaining({ kind: "created", scheduleId: schedule.scheduleId, occurrence: due }),
    );
    const reports = await reportsOf(schedule.scheduleId);
    expect(reports).toEqual([
      expect.objectContaining({
        ownerId: "alice",
        status: "Pending",
        scheduledFor: due,
        parameters: { genre: "Rock", minRatings: 10 },
      }),
    ]);
    const outbox = await db.prisma.outboxMessage.findMany({ where: { correlationId: reports[0]!.id } });
    expect(outbox).toHaveLength(1);
    expect(ZExportRequestedV1.parse(outbox[0]!.payload)).toMatchObject({
      type: EXPORT_REQUESTED_V1,
      reportId: reports[0]!.id,
      ownerId: "alice",
      parameters: { genre: "Rock", minRatings: 10 },
    });
    const after = await getSchedule({ db, user: alice, input: { scheduleId: schedule.scheduleId } });
    expect(after).toMatchObject({ lastRunAt: due.toISOString(), lastReportId: reports[0]!.id });
    expect(new Date(after.nextRunAt!).getTime()).toBeGreaterThan(Date.now());
    expect(nextDueInMs).toBeGreaterThan(0);

    // Nothing is due any more.
    const again = await fireDueSchedules({ db, batchSize: 10 });
    expect(again.firings.filter((firing) => firing.scheduleId === schedule.scheduleId)).toEqual([]);
  });

  it("catches up once after downtime: one report for the latest missed occurrence", async () => {
    const schedule = await createSchedule({
      db,
      user: alice,
      input: { name: "Down", recurrence: { frequency: "cron", expression: "0 * * * *" } },
    });
    // Down for three days of hourly occurrences.
    const firstMissed = nextOccurrence("0 * * * *", "UTC", new Date(Date.now() - 3 * 86_400_000))!;
    await setNextRun(schedule.scheduleId, firstMissed);
    await fireDueSchedules({ db, batchSize: 10 });
    const reports = await reportsOf(schedule.scheduleId);
    expect(reports).toHaveLength(1);
    const latestDue = nextOccurrence("0 * * * *", "UTC", new Date(Date.now() - 3_600_000))!;
    expect(reports[0]!.scheduledFor!.getTime()).toBeLessThanOrEqual(Date.now());
    expect(reports[0]!.scheduledFor!.getTime()).toBeGreaterThanOrEqual(latestDue.getTime() - 3_600_000);
  });

  it("never creates a second report for an occurrence, even when the next run is moved back to it", async () => {
    const schedule = await createSchedule({
      db,
      user: alice,
      input: { name: "Once", recurrence: { frequency: "daily", time: "03:00" } },
    });
    const due = nextOccurrence("0 3 * * *", "UTC", new Date(Date.now() - 86_400_000))!;
    await setNextRun(schedule.scheduleId, due);
    await fireDueSchedules({ db, batchSize: 10 });
    await setNextRun(schedule.scheduleId, due);
    const { firings } = await fireDueSchedules({ db, batchSize: 10 });
    expect(firings).toContainEqual(
      expect.objectContaining({ kind: "existed", scheduleId: schedule.scheduleId }),
    );
    expect(await reportsOf(schedule.scheduleId)).toHaveLength(1);
  });

  it("fires each occurrence exactly once when several schedulers race for it", async () => {
    const schedules = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        createSchedule({
          db,
          user: { userId: `racer-${i}` },
          input: { name: `Race ${i}`, recurrence: { frequency: "daily", time: "04:00" } },
        }),
      ),
    );
    // Four schedulers, each with its own connection pool, as separate worker instances have.
    const others = [1, 2, 3].map(() => createDb({ url: testDb.url, maxConnections: 2 }));
    try {
      for (let round = 0; round < 5; round++) {
        const due = new Date(Date.now() - (round + 1) * 86_400_000);
        for (const schedule of schedules) await setNextRun(schedule.scheduleId, due);
        await Promise.all(
          [db, ...others].map((instance) => fireDueSchedules({ db: instance, batchSize: 3 })),
        );
        await Promise.all(
          [db, ...others].map((instance) => fireDueSchedules({ db: instance, batchSize: 3 })),
        );
      }
    } finally {
      await Promise.all(others.map((other) => other.close()));
    }
    for (const schedule of schedules) {
      const reports = await reportsOf(schedule.scheduleId);
      // Each round's due time falls back to the same latest occurrence (04:00 of today or
      // yesterday), so five rounds make one report.
      expect(reports, schedule.name).toHaveLength(1);
      const outbox = await db.prisma.outboxMessage.count({ where: { correlationId: reports[0]!.id } });
      expect(outbox).toBe(1);
    }
  });

  it("pauses a schedule whose stored parameters are no longer valid, with the reason", async () => {
    const schedule = await createSchedule({
      db,
      user: alice,
      input: { name: "Broken", recurrence: { frequency: "daily", time: "02:00" } },
    });
    await db.pool.query(
      `UPDATE report_schedules SET parameters = '{"minRatings": 0}', next_run_at = now() - interval '1 minute' WHERE id = $1`,
      [schedule.scheduleId],
    );
    const { firings } = await fireDueSchedules({ db, batchSize: 10 });
    expect(firings).toContainEqual(
      expect.objectContaining({ kind: "paused", scheduleId: schedule.scheduleId }),
    );
    const paused = await getSchedule({ db, user: alice, input: { scheduleId: schedule.scheduleId } });
    expect(paused.status).toBe("Paused");
    expect(paused.error).toMatch(/minRatings/);
    expect(await reportsOf(schedule.scheduleId)).toHaveLength(0);
  });
});
