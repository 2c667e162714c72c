import { createDb, type Db } from "@reports/db";
import { createTestDatabase, type TestDatabase } from "@reports/db/testing";
import { getFreePort } from "@reports/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setDeps } from "../server/deps.ts";
import { BASE_URL, tokenFor, useTestDeps } from "../test/web-deps.ts";
import { GET as health } from "./healthz/route.ts";
import { GET as getReportRoute } from "./reports/[reportId]/route.ts";
import { POST as requestReportRoute } from "./reports/popularity/route.ts";
import { GET as listReportsRoute } from "./reports/route.ts";

let testDb: TestDatabase;
let unreachable: Db;
let token: string;

beforeAll(async () => {
  testDb = await createTestDatabase({ name: "web_outage" });
  // Nothing listens on this port: every connection attempt is refused.
  unreachable = createDb({
    url: `postgresql://postgres:postgres@127.0.0.1:${await getFreePort()}/reports`,
    maxConnections: 1,
  });
  token = await tokenFor("alice");
});

afterAll(async () => {
  setDeps(undefined);
  await unreachable?.close();
  await testDb?.drop();
});

describe("with the database reachable", () => {
  it("healthz answers 200 ok", async () => {
    useTestDeps(testDb.db);
    const response = await health();
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });
});

describe("with the database unreachable", () => {
  beforeAll(() => {
    useTestDeps(unreachable);
  });

  it("returns 503 with Retry-After, never 202, for a report request", async () => {
    const response = await requestReportRoute(
      new Request(`${BASE_URL}/reports/popularity`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ limit: 10 }),
      }),
      undefined,
    );
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("5");
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    const problem = (await response.json()) as { code: string; detail: string };
    expect(problem.code).toBe("UNAVAILABLE");
    expect(problem.detail).not.toMatch(/127\.0\.0\.1|ECONNREFUSED/);
  });

  it("returns 503 for reads too", async () => {
    const reportId = "8d3b0c6e-1f2a-4b5c-9d8e-7f6a5b4c3d2e";
    const get = await getReportRoute(
      new Request(`${BASE_URL}/reports/${reportId}`, { headers: { authorization: `Bearer ${token}` } }),
      { params: Promise.resolve({ reportId }) },
    );
    expect(get.status).toBe(503);
    const list = await listReportsRoute(
      new Request(`${BASE_URL}/reports`, { headers: { authorization: `Bearer ${token}` } }),
      undefined,
    );
    expect(list.status).toBe(503);
  });

  it("still answers 401 before touching the database", async () => {
    const response = await requestReportRoute(
      new Request(`${BASE_URL}/reports/popularity`, { method: "POST", body: "{}" }),
      undefined,
    );
    expect(response.status).toBe(401);
  });

  it("healthz answers 503 with a reason", async () => {
    const response = await health();
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      status: "unavailable",
      reason: "database unreachable (ECONNREFUSED)",
    });
  });
});
