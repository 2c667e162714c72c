import { createTestDatabase, type TestDatabase } from "@reports/db/testing";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DownloadUrlSigner } from "../download-url.ts";
import type { AppError } from "../errors.ts";
import { createContextInner } from "./context.ts";
import { createCallerFactory } from "./init.ts";
import { appRouter } from "./root.ts";

const signer: DownloadUrlSigner = {
  createDownloadUrl: async ({ blobName }) => `https://storage.test/${blobName}`,
};
const createCaller = createCallerFactory(appRouter);

let testDb: TestDatabase;

beforeAll(async () => {
  testDb = await createTestDatabase({ name: "api_trpc_schedules" });
});

afterAll(async () => {
  await testDb?.drop();
});

function callerFor(userId: string | null, schedulesMaxPerUser?: number) {
  return createCaller(
    createContextInner({ db: testDb.db, signer, user: userId ? { userId } : null, schedulesMaxPerUser }),
  );
}

async function trpcError(promise: Promise<unknown>): Promise<TRPCError> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(TRPCError);
  return error as TRPCError;
}

const DAILY = { name: "Daily", recurrence: { frequency: "daily", time: "06:00" } } as const;

describe("schedules router (server-side caller)", () => {
  it("creates, lists, gets, updates, pauses, resumes and deletes through the service functions", async () => {
    const alice = callerFor("alice");
    const created = await alice.schedules.create({ ...DAILY, timeZone: "America/New_York" });
    expect(created).toMatchObject({ status: "Active", cron: "0 6 * * *", timeZone: "America/New_York" });
    const { scheduleId } = created;
    expect((await alice.schedules.list()).items.map((item) => item.scheduleId)).toEqual([scheduleId]);
    await expect(alice.schedules.get({ scheduleId })).resolves.toMatchObject({ name: "Daily" });
    await expect(
      alice.schedules.update({ scheduleId, changes: { name: "Mornings" } }),
    ).resolves.toMatchObject({
      name: "Mornings",
    });
    await expect(alice.schedules.pause({ scheduleId })).resolves.toMatchObject({ status: "Paused" });
    await expect(alice.schedules.resume({ scheduleId })).resolves.toMatchObject({ status: "Active" });
    await expect(alice.schedules.delete({ scheduleId })).resolves.toEqual({ scheduleId });
    expect((await alice.schedules.list()).items).toEqual([]);
  });

  it("answers NOT_FOUND for another user's schedule, BAD_REQUEST with field errors, UNAUTHORIZED without a user", async () => {
    const { scheduleId } = await callerFor("bob").schedules.create(DAILY);
    const alice = callerFor("alice");
    // One at a time: a rejection nobody awaits yet would be reported as unhandled.
    const calls = [
      () => alice.schedules.get({ scheduleId }),
      () => alice.schedules.pause({ scheduleId }),
      () => alice.schedules.delete({ scheduleId }),
    ];
    for (const call of calls) {
      expect((await trpcError(call())).code).toBe("NOT_FOUND");
    }
    const bad = await trpcError(
      alice.schedules.create({ name: "x", recurrence: { frequency: "cron", expression: "*/1 * * * *" } }),
    );
    expect(bad.code).toBe("BAD_REQUEST");
    expect((bad.cause as AppError).fieldErrors).toEqual([
      { field: "recurrence.expression", message: "occurs more than once every 60 minutes" },
    ]);
    expect((await trpcError(callerFor(null).schedules.list())).code).toBe("UNAUTHORIZED");
  });

  it("answers CONFLICT past the per-user maximum from the context", async () => {
    const carol = callerFor("carol", 1);
    await carol.schedules.create(DAILY);
    expect((await trpcError(carol.schedules.create(DAILY))).code).toBe("CONFLICT");
  });
});
