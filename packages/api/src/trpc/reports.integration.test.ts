import { createTestDatabase, type TestDatabase } from "@reports/db/testing";
import { TRPCError } from "@trpc/server";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuthVerifier, signDevelopmentToken } from "../auth.ts";
import type { DownloadUrlSigner } from "../download-url.ts";
import { AppError } from "../errors.ts";
import { createStoppedDatabase } from "../testing/stopped-database.ts";
import { createContext, createContextInner } from "./context.ts";
import { createCallerFactory } from "./init.ts";
import { appRouter } from "./root.ts";

const SECRET = "trpc-test-secret-that-is-at-least-32-chars";
const signer: DownloadUrlSigner = {
  createDownloadUrl: async ({ blobName }) => `https://storage.test/${blobName}`,
};
const createCaller = createCallerFactory(appRouter);

let testDb: TestDatabase;

beforeAll(async () => {
  testDb = await createTestDatabase({ name: "api_trpc" });
});

afterAll(async () => {
  await testDb?.drop();
});

function callerFor(userId: string | null) {
  return createCaller(createContextInner({ db: testDb.db, signer, user: userId ? { userId } : null }));
}

async function trpcError(promise: Promise<unknown>): Promise<TRPCError> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(TRPCError);
  return error as TRPCError;
}

describe("reports router (server-side caller)", () => {
  it("requests, gets and lists a report through the same service functions", async () => {
    const alice = callerFor("alice");
    const { report, created } = await alice.reports.request({ kind: "popularity", parameters: { limit: 5 } });
    expect(created).toBe(true);
    expect(report.status).toBe("Pending");
    await expect(alice.reports.get({ reportId: report.reportId })).resolves.toMatchObject({
      reportId: report.reportId,
      parameters: { limit: 5, minRatings: 10 },
    });
    const page = await alice.reports.list({ limit: 10 });
    expect(page.items.map((item) => item.reportId)).toContain(report.reportId);
    expect(await testDb.db.prisma.outboxMessage.count({ where: { correlationId: report.reportId } })).toBe(1);
  });

  it("answers UNAUTHORIZED without a user", async () => {
    const error = await trpcError(callerFor(null).reports.list({}));
    expect(error.code).toBe("UNAUTHORIZED");
  });

  it("answers NOT_FOUND for another user's report", async () => {
    const { report } = await callerFor("alice").reports.request({ kind: "popularity" });
    const error = await trpcError(callerFor("bob").reports.get({ reportId: report.reportId }));
    expect(error.code).toBe("NOT_FOUND");
  });

  it("answers BAD_REQUEST with one field error per bad field", async () => {
    const error = await trpcError(
      callerFor("alice").reports.request({
        kind: "popularity",
        parameters: { from: "not-a-date", minRatings: 0, limit: 1.5 },
      }),
    );
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.cause).toBeInstanceOf(AppError);
    expect((error.cause as AppError).fieldErrors?.map((e) => e.field).sort()).toEqual([
      "parameters.from",
      "parameters.limit",
      "parameters.minRatings",
    ]);
    expect((await trpcError(callerFor("alice").reports.get({ reportId: "nope" }))).code).toBe("BAD_REQUEST");
  });

  it("answers CONFLICT for a reused idempotency key with other parameters", async () => {
    const alice = callerFor("alice");
    await alice.reports.request({ kind: "popularity", parameters: { limit: 1 }, idempotencyKey: "k" });
    const error = await trpcError(
      alice.reports.request({ kind: "popularity", parameters: { limit: 2 }, idempotencyKey: "k" }),
    );
    expect(error.code).toBe("CONFLICT");
  });

  it("answers SERVICE_UNAVAILABLE when the database is down", async () => {
    const stopped = await createStoppedDatabase();
    try {
      const caller = createCaller(createContextInner({ db: stopped.db, signer, user: { userId: "alice" } }));
      const error = await trpcError(caller.reports.request({ kind: "popularity" }));
      expect(error.code).toBe("SERVICE_UNAVAILABLE");
    } finally {
      await stopped.cleanup();
    }
  });
});

describe("reports router over HTTP (fetch adapter)", () => {
  const auth = createAuthVerifier({ mode: "development", secret: SECRET });

  function call(path: string, init: RequestInit & { token?: string } = {}) {
    const headers = new Headers(init.headers);
    if (init.token) headers.set("authorization", `Bearer ${init.token}`);
    const request = new Request(`http://localhost/api/trpc/${path}`, { ...init, headers });
    return fetchRequestHandler({
      endpoint: "/api/trpc",
      req: request,
      router: appRouter,
      createContext: () => createContext({ headers: request.headers, deps: { db: testDb.db, signer, auth } }),
    });
  }

  it("formats errors with the table's HTTP status, the app code and field errors", async () => {
    const token = await signDevelopmentToken(SECRET, "alice");
    const response = await call("reports.request", {
      method: "POST",
      token,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ kind: "popularity", parameters: { minRatings: -1, colour: "red" } }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as {
      error: { data: { appCode: string; httpStatus: number; fieldErrors: Array<{ field: string }> } };
    };
    expect(body.error.data).toMatchObject({ appCode: "BAD_REQUEST", httpStatus: 400 });
    expect(body.error.data.fieldErrors.map((e) => e.field).sort()).toEqual([
      "parameters.colour",
      "parameters.minRatings",
    ]);
  });

  it("answers 401 with the reason for a bad token and 200 for a good one", async () => {
    const bad = await call("reports.list", { token: "garbage" });
    expect(bad.status).toBe(401);
    const badBody = (await bad.json()) as { error: { message: string; data: { appCode: string } } };
    expect(badBody.error.data.appCode).toBe("UNAUTHORIZED");
    expect(badBody.error.message).toMatch(/malformed/);
    const good = await call("reports.list", { token: await signDevelopmentToken(SECRET, "alice") });
    expect(good.status).toBe(200);
  });

  it("records the caller's traceparent on the outbox row", async () => {
    const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const response = await call("reports.request", {
      method: "POST",
      token: await signDevelopmentToken(SECRET, "tracer"),
      headers: { "content-type": "application/json", traceparent },
      body: JSON.stringify({ kind: "popularity" }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { result: { data: { report: { reportId: string } } } };
    const outbox = await testDb.db.prisma.outboxMessage.findFirstOrThrow({
      where: { correlationId: body.result.data.report.reportId },
    });
    expect(outbox.traceparent).toBe(traceparent);
  });
});
