import { isValidTraceparent } from "@reports/api";
import { ZProblem, ZReport, ZReportAccepted, ZReportPage } from "@reports/contracts";
import { seedCatalogue } from "@reports/db/seed";
import { createTestDatabase, type TestDatabase } from "@reports/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setDeps } from "../../server/deps.ts";
import { BASE_URL, tokenFor, useTestDeps } from "../../test/web-deps.ts";
import { GET as getReportRoute } from "./[reportId]/route.ts";
import { POST as requestReportRoute } from "./popularity/route.ts";
import { GET as listReportsRoute } from "./route.ts";

let testDb: TestDatabase;
let aliceToken: string;
let bobToken: string;

beforeAll(async () => {
  testDb = await createTestDatabase({ name: "web_reports" });
  // Every genre in the catalogue (a requested genre must be one of them); no ratings needed.
  await seedCatalogue({ pool: testDb.db.pool, albums: 200, ratings: 0, seed: 1 });
  useTestDeps(testDb.db);
  [aliceToken, bobToken] = await Promise.all([tokenFor("alice"), tokenFor("bob")]);
});

afterAll(async () => {
  setDeps(undefined);
  await testDb?.drop();
});

function post(body: string | undefined, headers: Record<string, string> = {}) {
  return requestReportRoute(
    new Request(`${BASE_URL}/reports/popularity`, {
      method: "POST",
      headers: { authorization: `Bearer ${aliceToken}`, "content-type": "application/json", ...headers },
      ...(body === undefined ? {} : { body }),
    }),
    undefined,
  );
}

function getReport(reportId: string, token = aliceToken) {
  return getReportRoute(
    new Request(`${BASE_URL}/reports/${reportId}`, { headers: { authorization: `Bearer ${token}` } }),
    { params: Promise.resolve({ reportId }) },
  );
}

function list(query: string, token = aliceToken) {
  return listReportsRoute(
    new Request(`${BASE_URL}/reports${query}`, { headers: { authorization: `Bearer ${token}` } }),
    undefined,
  );
}

async function expectProblem(response: Response, status: number) {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  return ZProblem.parse(await response.json());
}

describe("POST /reports/popularity", () => {
  it("returns 202 and persists the outbox row", async () => {
    const response = await post(JSON.stringify({ genre: "Jazz", minRatings: 5, limit: 20 }));
    expect(response.status).toBe(202);
    const body = ZReportAccepted.parse(await response.json());
    expect(body.status).toBe("Pending");
    expect(response.headers.get("location")).toBe(`/reports/${body.reportId}`);
    expect(response.headers.get("retry-after")).toBe("2");
    const report = await testDb.db.prisma.report.findUniqueOrThrow({ where: { id: body.reportId } });
    expect(report).toMatchObject({ ownerId: "alice", status: "Pending" });
    expect(report.parameters).toEqual({ genre: "Jazz", minRatings: 5, limit: 20 });
    const outbox = await testDb.db.prisma.outboxMessage.findFirstOrThrow({
      where: { correlationId: body.reportId },
    });
    expect(outbox.sentAt).toBeNull();
    expect(isValidTraceparent(outbox.traceparent)).toBe(true);
  });

  it("takes a genre in any letter case as the catalogue's genre", async () => {
    const response = await post(JSON.stringify({ genre: "jazz" }));
    expect(response.status).toBe(202);
    const { reportId } = ZReportAccepted.parse(await response.json());
    const report = ZReport.parse(await (await getReport(reportId)).json());
    expect(report.parameters.genre).toBe("Jazz");
  });

  it("answers 400 naming the known genres for a genre the catalogue does not have", async () => {
    const problem = await expectProblem(await post(JSON.stringify({ genre: "Jaz" })), 400);
    expect(problem.detail).toMatch(/^Unknown genre "Jaz"\. Known genres: Blues, .*Jazz.*\.$/);
    expect(problem.errors).toEqual([{ field: "genre", message: problem.detail }]);
  });

  it("accepts an empty body as the default parameters", async () => {
    const response = await post(undefined, { "content-type": "" });
    expect(response.status).toBe(202);
    const { reportId } = ZReportAccepted.parse(await response.json());
    const report = await testDb.db.prisma.report.findUniqueOrThrow({ where: { id: reportId } });
    expect(report.parameters).toEqual({ minRatings: 10 });
  });

  it("carries a valid traceparent to the outbox row and replaces an invalid one", async () => {
    const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const kept = ZReportAccepted.parse(await (await post("{}", { traceparent })).json());
    const replaced = ZReportAccepted.parse(await (await post("{}", { traceparent: "garbage" })).json());
    const rows = await testDb.db.prisma.outboxMessage.findMany({
      where: { correlationId: { in: [kept.reportId, replaced.reportId] } },
    });
    const byReport = new Map(rows.map((row) => [row.correlationId, row.traceparent]));
    expect(byReport.get(kept.reportId)).toBe(traceparent);
    expect(isValidTraceparent(byReport.get(replaced.reportId))).toBe(true);
    expect(byReport.get(replaced.reportId)).not.toBe("garbage");
  });

  it("returns the same report for a repeated Idempotency-Key", async () => {
    const first = await post(JSON.stringify({ limit: 7 }), { "idempotency-key": "retry-me" });
    const second = await post(JSON.stringify({ limit: 7 }), { "idempotency-key": "retry-me" });
    expect(second.status).toBe(202);
    expect(second.headers.get("location")).toBe(first.headers.get("location"));
    const conflict = await post(JSON.stringify({ limit: 8 }), { "idempotency-key": "retry-me" });
    expect((await expectProblem(conflict, 409)).code).toBe("CONFLICT");
  });

  it.each([
    ["from", { from: "2024-13-01" }],
    ["to", { to: "tomorrow" }],
    ["to", { from: "2024-02-01", to: "2024-01-01" }],
    ["genre", { genre: "" }],
    ["genre", { genre: 42 }],
    ["minRatings", { minRatings: 0 }],
    ["minRatings", { minRatings: "ten" }],
    ["limit", { limit: 2.5 }],
    ["limit", { limit: -1 }],
    ["colour", { colour: "blue" }],
  ])("returns 400 naming the bad field %s", async (field, body) => {
    const problem = await expectProblem(await post(JSON.stringify(body)), 400);
    expect(problem.code).toBe("BAD_REQUEST");
    expect(problem.errors).toEqual([expect.objectContaining({ field })]);
  });

  it("returns 400 naming every bad field at once and writes nothing", async () => {
    const before = await testDb.db.prisma.report.count();
    const problem = await expectProblem(
      await post(JSON.stringify({ from: "x", to: "y", genre: "", minRatings: 0, limit: 0, extra: 1 })),
      400,
    );
    expect(problem.errors?.map((error) => error.field).sort()).toEqual(
      ["extra", "from", "genre", "limit", "minRatings", "to"].sort(),
    );
    expect(await testDb.db.prisma.report.count()).toBe(before);
  });

  it("returns 400 for malformed JSON and 415 for a body that is not JSON", async () => {
    const malformed = await expectProblem(await post("{ not json"), 400);
    expect(malformed.detail).toMatch(/not valid JSON/);
    const form = await expectProblem(
      await post("limit=3", { "content-type": "application/x-www-form-urlencoded" }),
      415,
    );
    expect(form.detail).toMatch(/application\/json/);
    const untyped = await expectProblem(await post('{"limit":3}', { "content-type": "" }), 415);
    expect(untyped.detail).toMatch(/without a content type/);
    await expectProblem(await post("[1,2]"), 400);
  });

  it("returns 401 without a token and with a bad one", async () => {
    const missing = await requestReportRoute(
      new Request(`${BASE_URL}/reports/popularity`, { method: "POST", body: "{}" }),
      undefined,
    );
    expect((await expectProblem(missing, 401)).detail).toMatch(/Missing Authorization/);
    expect(missing.headers.get("www-authenticate")).toMatch(/^Bearer/);
    const bad = await post("{}", { authorization: `Bearer ${aliceToken.slice(0, -4)}abcd` });
    expect((await expectProblem(bad, 401)).code).toBe("UNAUTHORIZED");
  });
});

describe("GET /reports/{reportId}", () => {
  it("returns the report with Retry-After while it is not final, and no-store", async () => {
    const { reportId } = ZReportAccepted.parse(await (await post("{}")).json());
    const response = await getReport(reportId);
    expect(response.status).toBe(200);
    expect(response.headers.get("retry-after")).toBe("2");
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(ZReport.parse(await response.json())).toMatchObject({ reportId, status: "Pending" });
  });

  it("returns the download link and no Retry-After once Completed", async () => {
    const { reportId } = ZReportAccepted.parse(await (await post("{}")).json());
    await testDb.db.prisma.report.update({
      where: { id: reportId },
      data: {
        status: "Completed",
        completedAt: new Date(),
        rowCount: 3,
        sizeBytes: 120n,
        blobName: `popularity/${reportId}.csv`,
        progressRows: 3,
        expectedRows: 3,
      },
    });
    const response = await getReport(reportId);
    expect(response.headers.get("retry-after")).toBeNull();
    const report = ZReport.parse(await response.json());
    expect(report).toMatchObject({ status: "Completed", rowCount: 3, sizeBytes: 120 });
    expect(report.downloadUrl).toContain(`popularity/${reportId}.csv`);
  });

  it("signs the link for the report's own file, whatever its blob_name column says", async () => {
    const { reportId } = ZReportAccepted.parse(await (await post("{}")).json());
    await testDb.db.prisma.report.update({
      where: { id: reportId },
      data: {
        status: "Completed",
        completedAt: new Date(),
        rowCount: 1,
        blobName: "popularity/someone-elses.csv",
      },
    });
    const report = ZReport.parse(await (await getReport(reportId)).json());
    expect(report.downloadUrl).toContain(`popularity/${reportId}.csv`);
    expect(report.downloadUrl).not.toContain("someone-elses");
  });

  it("shows a Failed report's reason for its owner, never the detail kept for operators", async () => {
    const { reportId } = ZReportAccepted.parse(await (await post("{}")).json());
    await testDb.db.prisma.report.update({
      where: { id: reportId },
      data: {
        status: "Failed",
        completedAt: new Date(),
        error: "The report could not be generated. Try again.",
        errorDetail: "ContainerNotFound: The specified container does not exist.",
      },
    });
    const body = await (await getReport(reportId)).text();
    expect(ZReport.parse(JSON.parse(body)).error).toBe("The report could not be generated. Try again.");
    expect(body).not.toContain("ContainerNotFound");
  });

  it("returns 400 for an id that is not a UUID", async () => {
    const problem = await expectProblem(await getReport("not-a-uuid"), 400);
    expect(problem.errors).toEqual([expect.objectContaining({ field: "reportId" })]);
  });

  it("returns 404 for another user's report and an unknown one", async () => {
    const { reportId } = ZReportAccepted.parse(await (await post("{}")).json());
    const problem = await expectProblem(await getReport(reportId, bobToken), 404);
    expect(problem.instance).toBe(`/reports/${reportId}`);
    await expectProblem(await getReport("8d3b0c6e-1f2a-4b5c-9d8e-7f6a5b4c3d2e"), 404);
  });

  it("returns 401 without a token", async () => {
    const response = await getReportRoute(new Request(`${BASE_URL}/reports/x`), {
      params: Promise.resolve({ reportId: "x" }),
    });
    await expectProblem(response, 401);
  });
});

describe("GET /reports", () => {
  it("pages through the caller's reports newest first", async () => {
    const token = await tokenFor("pager");
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await post("{}", { authorization: `Bearer ${token}` });
      ids.push(ZReportAccepted.parse(await response.json()).reportId);
    }
    const first = ZReportPage.parse(await (await list("?limit=2", token)).json());
    const second = ZReportPage.parse(
      await (await list(`?limit=2&cursor=${encodeURIComponent(first.nextCursor!)}`, token)).json(),
    );
    const third = ZReportPage.parse(
      await (await list(`?limit=2&cursor=${encodeURIComponent(second.nextCursor!)}`, token)).json(),
    );
    expect(third.nextCursor).toBeNull();
    const seen = [...first.items, ...second.items, ...third.items].map((item) => item.reportId);
    expect(seen).toEqual([...ids].reverse());
  });

  it("returns 400 for a bad limit or cursor", async () => {
    expect((await expectProblem(await list("?limit=1000"), 400)).errors).toEqual([
      expect.objectContaining({ field: "limit" }),
    ]);
    expect((await expectProblem(await list("?cursor=nonsense"), 400)).errors).toEqual([
      expect.objectContaining({ field: "cursor" }),
    ]);
  });
});
