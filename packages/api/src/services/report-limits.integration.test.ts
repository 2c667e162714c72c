import { createDb, type Db } from "@reports/db";
import { createTestDatabase, type TestDatabase } from "@reports/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../errors.ts";
import {
  ACTIVE_LIMIT_RETRY_AFTER_SECONDS,
  createReportLimiter,
  type ReportLimitsConfig,
} from "./report-limits.ts";
import { requestReport } from "./reports.ts";

let testDb: TestDatabase;
/** A second web instance: its own pools and its own limiter object, on the same database. */
let secondInstance: Db;

beforeAll(async () => {
  testDb = await createTestDatabase({ name: "api_report_limits" });
  secondInstance = createDb({ url: testDb.url, maxConnections: 5 });
});

afterAll(async () => {
  await secondInstance?.close();
  await testDb?.drop();
});

/** Both instances, each with its own limiter built from the same configuration. */
function instances(config: ReportLimitsConfig) {
  return [testDb.db, secondInstance].map((db) => ({ db, limits: createReportLimiter(db, config) }));
}

function request(
  instance: { db: Db; limits: ReturnType<typeof createReportLimiter> },
  userId: string,
  key?: string,
) {
  return requestReport({
    db: instance.db,
    user: { userId },
    input: { kind: "popularity", parameters: { minRatings: 2 }, ...(key ? { idempotencyKey: key } : {}) },
    limits: instance.limits,
  });
}

async function outcomes(promises: Array<Promise<unknown>>) {
  const settled = await Promise.allSettled(promises);
  const refused = settled.flatMap((result) => (result.status === "rejected" ? [result.reason] : []));
  for (const reason of refused) expect(reason).toBeInstanceOf(AppError);
  return { accepted: settled.length - refused.length, refused: refused as AppError[] };
}

describe("per-user limits on report requests", () => {
  it("refuses the N+1th active report with 429 and Retry-After, until one is final", async () => {
    const [web] = instances({ maxActivePerUser: 3, requestsPerMinute: 1_000 });
    for (let i = 0; i < 3; i++) await request(web!, "carol");
    const error = await request(web!, "carol").then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({
      code: "TOO_MANY_REQUESTS",
      httpStatus: 429,
      detail: "You have 3 reports running; try again when one finishes.",
      retryAfterSeconds: ACTIVE_LIMIT_RETRY_AFTER_SECONDS,
    });
    // Another user is not affected; and once one of carol's reports is final she may ask again.
    await expect(request(web!, "dave")).resolves.toMatchObject({ created: true });
    const [oldest] = await testDb.db.prisma.report.findMany({ where: { ownerId: "carol" }, take: 1 });
    await testDb.db.prisma.report.update({ where: { id: oldest!.id }, data: { status: "Completed" } });
    await expect(request(web!, "carol")).resolves.toMatchObject({ created: true });
  });

  it("holds the active limit exactly across two instances racing on one database", async () => {
    const [a, b] = instances({ maxActivePerUser: 5, requestsPerMinute: 1_000 });
    const results = await outcomes(Array.from({ length: 24 }, (_, i) => request(i % 2 ? a! : b!, "erin")));
    expect(results.accepted).toBe(5);
    expect(results.refused.every((error) => error.code === "TOO_MANY_REQUESTS")).toBe(true);
    expect(
      await testDb.db.prisma.report.count({
        where: { ownerId: "erin", status: { in: ["Pending", "Processing"] } },
      }),
    ).toBe(5);
  });

  it("holds the request rate limit across two instances, with Retry-After until the window ends", async () => {
    const [a, b] = instances({ maxActivePerUser: 1_000, requestsPerMinute: 7 });
    const results = await outcomes(Array.from({ length: 20 }, (_, i) => request(i % 2 ? a! : b!, "frank")));
    expect(results.accepted).toBe(7);
    for (const error of results.refused) {
      expect(error.code).toBe("TOO_MANY_REQUESTS");
      expect(error.detail).toMatch(/^You have requested 7 reports in the last minute; try again in \d+ s\.$/);
      expect(error.retryAfterSeconds).toBeGreaterThan(0);
      expect(error.retryAfterSeconds).toBeLessThanOrEqual(60);
    }
  });

  it("lets an idempotent replay through at the limit: it creates nothing", async () => {
    const [web] = instances({ maxActivePerUser: 1, requestsPerMinute: 2 });
    const first = await request(web!, "grace", "key-1");
    // At the active limit and then past the rate limit, the same key still answers the same report.
    for (let i = 0; i < 3; i++) {
      await expect(request(web!, "grace", "key-1")).resolves.toMatchObject({
        created: false,
        report: { reportId: first.report.reportId },
      });
    }
    await expect(request(web!, "grace", "key-2")).rejects.toMatchObject({ code: "TOO_MANY_REQUESTS" });
  });
});
