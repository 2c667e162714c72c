import { createReportLimiter } from "@reports/api";
import { ZProblem } from "@reports/contracts";
import { createTestDatabase, type TestDatabase } from "@reports/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setDeps } from "../../server/deps.ts";
import { BASE_URL, tokenFor, useTestDeps } from "../../test/web-deps.ts";
import { POST as trpcPost } from "../api/trpc/[trpc]/route.ts";
import { POST as requestReportRoute } from "./popularity/route.ts";

let testDb: TestDatabase;

beforeAll(async () => {
  testDb = await createTestDatabase({ name: "web_limits" });
  const deps = useTestDeps(testDb.db);
  setDeps({
    ...deps,
    limits: createReportLimiter(testDb.db, { maxActivePerUser: 2, requestsPerMinute: 100 }),
  });
});

afterAll(async () => {
  setDeps(undefined);
  await testDb?.drop();
});

async function rest(userId: string) {
  return requestReportRoute(
    new Request(`${BASE_URL}/reports/popularity`, {
      method: "POST",
      headers: { authorization: `Bearer ${await tokenFor(userId)}`, "content-type": "application/json" },
      body: "{}",
    }),
    undefined,
  );
}

async function trpc(userId: string) {
  return trpcPost(
    new Request(`${BASE_URL}/api/trpc/reports.request`, {
      method: "POST",
      headers: { authorization: `Bearer ${await tokenFor(userId)}`, "content-type": "application/json" },
      body: JSON.stringify({ kind: "popularity" }),
    }),
  );
}

describe("the active-report limit at the API", () => {
  it("answers the N+1th report over REST with 429, a problem body and Retry-After", async () => {
    expect((await rest("henry")).status).toBe(202);
    expect((await rest("henry")).status).toBe(202);
    const response = await rest("henry");
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(ZProblem.parse(await response.json())).toMatchObject({
      status: 429,
      code: "TOO_MANY_REQUESTS",
      detail: "You have 2 reports running; try again when one finishes.",
    });
  });

  it("answers it over tRPC with 429, the same words and Retry-After", async () => {
    expect((await trpc("irene")).status).toBe(200);
    expect((await trpc("irene")).status).toBe(200);
    const response = await trpc("irene");
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toMatch(/^\d+$/);
    const body = (await response.json()) as { error: { message: string; data: { appCode: string } } };
    expect(body.error).toMatchObject({
      message: "You have 2 reports running; try again when one finishes.",
      data: { appCode: "TOO_MANY_REQUESTS" },
    });
  });
});
