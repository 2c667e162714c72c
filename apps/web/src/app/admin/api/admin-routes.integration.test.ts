import { randomUUID } from "node:crypto";
import { readdir } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { createTestDatabase, type TestDatabase } from "@reports/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setDeps } from "../../../server/deps.ts";
import { BASE_URL, TEST_ADMIN, tokenFor, useTestDeps } from "../../../test/web-deps.ts";
import { POST as requestPopularity } from "../../reports/popularity/route.ts";
import { POST as redrive } from "./dead-letters/[deadLetterId]/redrive/route.ts";
import { GET as getDeadLetter } from "./dead-letters/[deadLetterId]/route.ts";
import { GET as listDeadLetters } from "./dead-letters/route.ts";
import { GET as history } from "./history/route.ts";
import { GET as pipeline } from "./pipeline/route.ts";
import { POST as cancel } from "./reports/[reportId]/cancel/route.ts";
import { POST as retry } from "./reports/[reportId]/retry/route.ts";
import { GET as story } from "./reports/[reportId]/route.ts";
import { GET as search } from "./reports/route.ts";

type Handler = (request: Request, context?: { params: Promise<Record<string, string>> }) => Promise<Response>;

// Every route under /admin/api with a request it would accept from an operator.
const id = randomUUID();
const ROUTES: Record<
  string,
  { method: string; handler: Handler; path: string; params?: Record<string, string> }
> = {
  "pipeline/route.ts": { method: "GET", handler: pipeline as Handler, path: "/admin/api/pipeline" },
  "history/route.ts": { method: "GET", handler: history as Handler, path: "/admin/api/history?hours=1" },
  "reports/route.ts": { method: "GET", handler: search as Handler, path: "/admin/api/reports?status=Failed" },
  "reports/[reportId]/route.ts": {
    method: "GET",
    handler: story as Handler,
    path: `/admin/api/reports/${id}`,
    params: { reportId: id },
  },
  "reports/[reportId]/cancel/route.ts": {
    method: "POST",
    handler: cancel as Handler,
    path: `/admin/api/reports/${id}/cancel`,
    params: { reportId: id },
  },
  "reports/[reportId]/retry/route.ts": {
    method: "POST",
    handler: retry as Handler,
    path: `/admin/api/reports/${id}/retry`,
    params: { reportId: id },
  },
  "dead-letters/route.ts": {
    method: "GET",
    handler: listDeadLetters as Handler,
    path: "/admin/api/dead-letters",
  },
  "dead-letters/[deadLetterId]/route.ts": {
    method: "GET",
    handler: getDeadLetter as Handler,
    path: `/admin/api/dead-letters/${id}`,
    params: { deadLetterId: id },
  },
  "dead-letters/[deadLetterId]/redrive/route.ts": {
    method: "POST",
    handler: redrive as Handler,
    path: `/admin/api/dead-letters/${id}/redrive`,
    params: { deadLetterId: id },
  },
};

function call(route: (typeof ROUTES)[string], token?: string, path = route.path) {
  const headers = new Headers();
  if (token) headers.set("authorization", `Bearer ${token}`);
  return route.handler(new Request(`${BASE_URL}${path}`, { method: route.method, headers }), {
    params: Promise.resolve(route.params ?? {}),
  });
}

let testDb: TestDatabase;

beforeAll(async () => {
  testDb = await createTestDatabase({ name: "web_admin" });
  useTestDeps(testDb.db);
});

afterAll(async () => {
  setDeps(undefined);
  await testDb?.drop();
});

describe("/admin/api routes", () => {
  it("covers every route file under /admin/api", async () => {
    const root = fileURLToPath(new URL(".", import.meta.url));
    const files = (await readdir(root, { recursive: true }))
      .filter((file) => file.endsWith("route.ts"))
      .map((file) => relative(root, join(root, file)));
    expect(files.sort()).toEqual(Object.keys(ROUTES).sort());
  });

  it("answers 403 with a problem body to a user without the admin role, 401 without a token", async () => {
    const alice = await tokenFor("alice");
    for (const [name, route] of Object.entries(ROUTES)) {
      const forbidden = await call(route, alice);
      expect(forbidden.status, name).toBe(403);
      expect(forbidden.headers.get("content-type"), name).toBe("application/problem+json");
      expect(await forbidden.json(), name).toMatchObject({ status: 403, code: "FORBIDDEN" });
      expect((await call(route)).status, name).toBe(401);
    }
  });

  it("lets an operator find another user's report, read its story and retry it once it failed", async () => {
    const accepted = await requestPopularity(
      new Request(`${BASE_URL}/reports/popularity`, {
        method: "POST",
        headers: { authorization: `Bearer ${await tokenFor("alice")}`, "content-type": "application/json" },
        body: JSON.stringify({ limit: 2 }),
      }),
    );
    const { reportId } = (await accepted.json()) as { reportId: string };
    const admin = await tokenFor(TEST_ADMIN);

    const found = await call(
      ROUTES["reports/route.ts"]!,
      admin,
      "/admin/api/reports?ownerId=alice&status=Pending",
    );
    expect(found.status).toBe(200);
    expect(((await found.json()) as { items: Array<{ reportId: string }> }).items[0]?.reportId).toBe(
      reportId,
    );

    const storyRoute = { ...ROUTES["reports/[reportId]/route.ts"]!, params: { reportId } };
    const told = await call(storyRoute, admin, `/admin/api/reports/${reportId}`);
    expect(told.status).toBe(200);
    expect(await told.json()).toMatchObject({ report: { reportId, ownerId: "alice", status: "Pending" } });

    const retryRoute = { ...ROUTES["reports/[reportId]/retry/route.ts"]!, params: { reportId } };
    const early = await call(retryRoute, admin);
    expect(early.status).toBe(409);
    await testDb.db.pool.query("UPDATE reports SET status = 'Failed', error = 'boom' WHERE id = $1", [
      reportId,
    ]);
    const retried = await call(retryRoute, admin);
    expect(retried.status).toBe(200);
    expect(await retried.json()).toMatchObject({ action: "retry", actor: TEST_ADMIN, status: "Pending" });
  });

  it("answers 400 naming the bad field for a bad id or filter, 404 for an unknown one", async () => {
    const admin = await tokenFor(TEST_ADMIN);
    const badId = await call(
      { ...ROUTES["reports/[reportId]/route.ts"]!, params: { reportId: "nope" } },
      admin,
    );
    expect(badId.status).toBe(400);
    expect(await badId.json()).toMatchObject({ errors: [{ field: "reportId" }] });
    const badFilter = await call(
      ROUTES["reports/route.ts"]!,
      admin,
      "/admin/api/reports?status=Lost&limit=0",
    );
    expect(badFilter.status).toBe(400);
    const unknown = await call(ROUTES["dead-letters/[deadLetterId]/route.ts"]!, admin);
    expect(unknown.status).toBe(404);
    const pipelineAnswer = await call(ROUTES["pipeline/route.ts"]!, admin);
    expect(pipelineAnswer.status).toBe(200);
  });
});
