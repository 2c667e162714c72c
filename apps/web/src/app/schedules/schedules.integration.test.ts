import { ZProblem, ZSchedule, ZScheduleList } from "@reports/contracts";
import { seedCatalogue } from "@reports/db/seed";
import { createTestDatabase, type TestDatabase } from "@reports/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setDeps } from "../../server/deps.ts";
import { BASE_URL, TEST_SCHEDULES_MAX_PER_USER, tokenFor, useTestDeps } from "../../test/web-deps.ts";
import { POST as pauseRoute } from "./[scheduleId]/pause/route.ts";
import { POST as resumeRoute } from "./[scheduleId]/resume/route.ts";
import { DELETE as deleteRoute, GET as getRoute, PATCH as patchRoute } from "./[scheduleId]/route.ts";
import { POST as createRoute, GET as listRoute } from "./route.ts";

let testDb: TestDatabase;
let aliceToken: string;
let bobToken: string;

beforeAll(async () => {
  testDb = await createTestDatabase({ name: "web_schedules" });
  // The catalogue's genres (Jazz among them): a schedule's genre must be one of them.
  await seedCatalogue({ pool: testDb.db.pool, albums: 200, ratings: 0, seed: 1 });
  useTestDeps(testDb.db);
  [aliceToken, bobToken] = await Promise.all([tokenFor("alice"), tokenFor("bob")]);
});

afterAll(async () => {
  setDeps(undefined);
  await testDb?.drop();
});

function request(path: string, init: { method?: string; body?: string; token?: string | null } = {}) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  const token = init.token === undefined ? aliceToken : init.token;
  if (token) headers.authorization = `Bearer ${token}`;
  return new Request(`${BASE_URL}${path}`, {
    method: init.method ?? "GET",
    headers,
    ...(init.body === undefined ? {} : { body: init.body }),
  });
}

const params = (scheduleId: string) => ({ params: Promise.resolve({ scheduleId }) });

async function create(body: unknown, token = aliceToken) {
  return createRoute(request("/schedules", { method: "POST", body: JSON.stringify(body), token }), undefined);
}

async function expectProblem(response: Response, status: number) {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  return ZProblem.parse(await response.json());
}

const WEEKLY = {
  name: "Monday jazz",
  parameters: { genre: "Jazz", limit: 100 },
  recurrence: { frequency: "weekly", dayOfWeek: "monday", time: "06:00" },
  timeZone: "Europe/Berlin",
};

describe("/schedules", () => {
  it("POST creates a schedule: 201, Location and the schedule", async () => {
    const response = await create(WEEKLY);
    expect(response.status).toBe(201);
    const schedule = ZSchedule.parse(await response.json());
    expect(response.headers.get("location")).toBe(`/schedules/${schedule.scheduleId}`);
    expect(schedule).toMatchObject({ name: "Monday jazz", status: "Active", cron: "0 6 * * 1" });
    expect(new Date(schedule.nextRunAt!).getUTCDay()).toBe(1);
  });

  it("POST answers 400 naming each bad field, 401 without a token", async () => {
    const problem = await expectProblem(
      await create({ name: "", recurrence: { frequency: "cron", expression: "* * * * *" }, colour: "red" }),
      400,
    );
    expect(problem.errors?.map((error) => error.field).sort()).toEqual([
      "colour",
      "name",
      "recurrence.expression",
    ]);
    const notJson = await createRoute(request("/schedules", { method: "POST", body: "{" }), undefined);
    await expectProblem(notJson, 400);
    const anonymous = await createRoute(
      request("/schedules", { method: "POST", body: JSON.stringify(WEEKLY), token: null }),
      undefined,
    );
    await expectProblem(anonymous, 401);
  });

  it("GET lists the caller's schedules only", async () => {
    const bobs = ZSchedule.parse(await (await create({ ...WEEKLY, name: "Bob's" }, bobToken)).json());
    const page = ZScheduleList.parse(await (await listRoute(request("/schedules"), undefined)).json());
    expect(page.items.length).toBeGreaterThan(0);
    expect(page.items.map((item) => item.scheduleId)).not.toContain(bobs.scheduleId);
  });

  it("GET, PATCH, pause, resume and DELETE one schedule; another user's is 404", async () => {
    const { scheduleId } = ZSchedule.parse(await (await create(WEEKLY)).json());
    const got = await getRoute(request(`/schedules/${scheduleId}`), params(scheduleId));
    expect(ZSchedule.parse(await got.json()).scheduleId).toBe(scheduleId);

    const patched = await patchRoute(
      request(`/schedules/${scheduleId}`, {
        method: "PATCH",
        body: JSON.stringify({ name: "Daily jazz", recurrence: { frequency: "daily", time: "07:15" } }),
      }),
      params(scheduleId),
    );
    expect(ZSchedule.parse(await patched.json())).toMatchObject({ name: "Daily jazz", cron: "15 7 * * *" });
    const emptyPatch = await patchRoute(
      request(`/schedules/${scheduleId}`, { method: "PATCH", body: "{}" }),
      params(scheduleId),
    );
    await expectProblem(emptyPatch, 400);

    const paused = await pauseRoute(
      request(`/schedules/${scheduleId}/pause`, { method: "POST" }),
      params(scheduleId),
    );
    expect(ZSchedule.parse(await paused.json())).toMatchObject({ status: "Paused" });
    const resumed = await resumeRoute(
      request(`/schedules/${scheduleId}/resume`, { method: "POST" }),
      params(scheduleId),
    );
    expect(ZSchedule.parse(await resumed.json())).toMatchObject({ status: "Active" });

    for (const response of [
      await getRoute(request(`/schedules/${scheduleId}`, { token: bobToken }), params(scheduleId)),
      await pauseRoute(
        request(`/schedules/${scheduleId}/pause`, { method: "POST", token: bobToken }),
        params(scheduleId),
      ),
      await deleteRoute(
        request(`/schedules/${scheduleId}`, { method: "DELETE", token: bobToken }),
        params(scheduleId),
      ),
    ]) {
      await expectProblem(response, 404);
    }

    const deleted = await deleteRoute(
      request(`/schedules/${scheduleId}`, { method: "DELETE" }),
      params(scheduleId),
    );
    expect(deleted.status).toBe(204);
    await expectProblem(await getRoute(request(`/schedules/${scheduleId}`), params(scheduleId)), 404);
    await expectProblem(await getRoute(request("/schedules/not-a-uuid"), params("not-a-uuid")), 400);
  });

  it("answers every malformed body or id with a 4xx problem, never a 5xx", async () => {
    const weekly = WEEKLY.recurrence;
    const bodies: unknown[] = [
      null,
      [],
      "text",
      42,
      { ...WEEKLY, name: "a\u0000b" },
      { ...WEEKLY, name: "\ud800" },
      { ...WEEKLY, name: "x".repeat(10_000) },
      { ...WEEKLY, name: { nested: true } },
      { ...WEEKLY, recurrence: null },
      { ...WEEKLY, recurrence: [] },
      { ...WEEKLY, recurrence: { ...weekly, frequency: "hourly" } },
      { ...WEEKLY, recurrence: { ...weekly, time: "24:00" } },
      { ...WEEKLY, recurrence: { ...weekly, time: "06:00\u0000" } },
      { ...WEEKLY, recurrence: { ...weekly, dayOfWeek: "funday" } },
      { ...WEEKLY, recurrence: { frequency: "monthly", dayOfMonth: 1e308, time: "06:00" } },
      { ...WEEKLY, recurrence: { frequency: "cron", expression: "\u0000" } },
      { ...WEEKLY, recurrence: { frequency: "cron", expression: "0 6 * * * * * *" } },
      { ...WEEKLY, recurrence: { frequency: "cron", expression: "@reboot" } },
      { ...WEEKLY, recurrence: { frequency: "cron", expression: "0 6 31 2 *" } },
      { ...WEEKLY, timeZone: "../../etc/passwd" },
      { ...WEEKLY, timeZone: "\ud800" },
      { ...WEEKLY, timeZone: 5 },
      { ...WEEKLY, parameters: { genre: "\u0000" } },
      { ...WEEKLY, parameters: { genre: "Polka" } },
      { ...WEEKLY, parameters: { minRatings: -1 } },
      { ...WEEKLY, kind: "revenue" },
    ];
    for (const body of bodies) {
      const response = await create(body);
      expect(response.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
    }
    const { scheduleId } = ZSchedule.parse(await (await create(WEEKLY)).json());
    for (const body of [
      "null",
      "[]",
      '{"name": null}',
      '{"recurrence": {"frequency": "cron", "expression": "* * * * *"}}',
    ]) {
      const response = await patchRoute(
        request(`/schedules/${scheduleId}`, { method: "PATCH", body }),
        params(scheduleId),
      );
      expect(response.status, body).toBe(400);
    }
    for (const id of ["x", "%00", "00000000-0000-0000-0000-00000000000g", "'; DROP TABLE reports; --"]) {
      const response = await getRoute(request(`/schedules/${encodeURIComponent(id)}`), params(id));
      expect(response.status, id).toBe(400);
    }
  });

  it("answers 409 once the caller has the most schedules allowed", async () => {
    const token = await tokenFor("many-schedules");
    for (let i = 0; i < TEST_SCHEDULES_MAX_PER_USER; i++) {
      expect((await create({ ...WEEKLY, name: `n${i}` }, token)).status).toBe(201);
    }
    const problem = await expectProblem(await create(WEEKLY, token), 409);
    expect(problem.detail).toMatch(/delete one first/);
  });
});
