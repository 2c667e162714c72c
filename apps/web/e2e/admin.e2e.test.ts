import { signDevelopmentToken } from "@reports/api";
import { createDb, type Db } from "@reports/db";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchChromium, newContext, recordCspViolations, screenshot } from "./browser.ts";

const webUrl = inject("webUrl");
const stackEnv = inject("stackEnv");

// The local stack's operator (AUTH_DEV_ADMINS defaults to "admin").
const OPERATOR = "admin";

let browser: Browser;
let db: Db;
const pages: Page[] = [];
const cspViolations: string[] = [];

async function openPage(): Promise<Page> {
  const context = await newContext(browser, webUrl);
  const page = await context.newPage();
  page.on("pageerror", (err) => console.error(`page error: ${err.message}`));
  recordCspViolations(page, cspViolations);
  pages.push(page);
  return page;
}

/** Development sign-in, without waiting for the dashboard (the console is where we go next). */
async function signInAs(page: Page, userName: string): Promise<void> {
  await page.goto("/signin");
  await page.getByLabel("User name").fill(userName);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Your reports" }).waitFor();
}

function token(userId: string): Promise<string> {
  return signDevelopmentToken(stackEnv.AUTH_DEV_SECRET!, userId);
}

/** POST /reports/popularity as `userId`; the report id. */
async function requestReport(userId: string, parameters: object): Promise<string> {
  const response = await fetch(`${webUrl}/reports/popularity`, {
    method: "POST",
    headers: { authorization: `Bearer ${await token(userId)}`, "content-type": "application/json" },
    body: JSON.stringify(parameters),
  });
  expect(response.status).toBe(202);
  return ((await response.json()) as { reportId: string }).reportId;
}

async function reportStatus(reportId: string): Promise<string | undefined> {
  const result = await db.pool.query<{ status: string }>("SELECT status FROM reports WHERE id = $1", [
    reportId,
  ]);
  return result.rows[0]?.status;
}

async function waitForStatus(reportId: string, status: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = await reportStatus(reportId);
    if (current === status) return;
    if (Date.now() > deadline)
      throw new Error(`report ${reportId} is ${current}, not ${status}, after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

beforeAll(async () => {
  browser = await launchChromium();
  db = createDb({ url: stackEnv.DATABASE_URL!, maxConnections: 2 });
});

afterAll(async () => {
  for (const page of pages)
    await page
      .context()
      .close()
      .catch(() => {});
  await browser?.close();
  await db?.close();
  expect(cspViolations).toEqual([]);
});

describe("operator console", () => {
  it("answers 403 to a user without the admin role on every console page, procedure and route", async () => {
    const reportId = await requestReport("mallory", { limit: 1 });
    const page = await openPage();
    await signInAs(page, "mallory");
    expect(await page.getByRole("link", { name: "Operator console" }).count()).toBe(0);
    for (const path of ["/admin", "/admin/reports", `/admin/reports/${reportId}`, "/admin/dead-letters"]) {
      const response = await page.goto(path);
      expect(response?.status(), path).toBe(403);
      await expect(page.getByRole("heading", { name: "Forbidden" }).isVisible(), path).resolves.toBe(true);
    }
    await screenshot(page, "admin-01-forbidden");

    // The tRPC procedures, with mallory's session cookie, as the console's own pages call them.
    const procedures: Array<[string, "GET" | "POST", object | undefined]> = [
      ["admin.pipeline", "GET", undefined],
      ["admin.history", "GET", { hours: 1 }],
      ["admin.reports.search", "GET", {}],
      ["admin.reports.story", "GET", { reportId }],
      ["admin.reports.cancel", "POST", { reportId }],
      ["admin.reports.retry", "POST", { reportId }],
      ["admin.deadLetters.list", "GET", {}],
      ["admin.deadLetters.get", "GET", { deadLetterId: reportId }],
      ["admin.deadLetters.redrive", "POST", { deadLetterId: reportId }],
    ];
    for (const [procedure, method, input] of procedures) {
      const url =
        method === "GET"
          ? `/api/trpc/${procedure}${input ? `?input=${encodeURIComponent(JSON.stringify(input))}` : ""}`
          : `/api/trpc/${procedure}`;
      const response = await page.request.fetch(url, {
        method,
        headers: { "content-type": "application/json" },
        ...(method === "POST" ? { data: JSON.stringify(input) } : {}),
      });
      expect(response.status(), procedure).toBe(403);
      const body = (await response.json()) as { error: { data: { code: string } } };
      expect(body.error.data.code, procedure).toBe("FORBIDDEN");
    }

    // The REST routes for scripts, with mallory's bearer token.
    const bearer = { authorization: `Bearer ${await token("mallory")}` };
    const routes: Array<[string, string]> = [
      ["GET", "/admin/api/pipeline"],
      ["GET", "/admin/api/history"],
      ["GET", "/admin/api/reports"],
      ["GET", `/admin/api/reports/${reportId}`],
      ["POST", `/admin/api/reports/${reportId}/cancel`],
      ["POST", `/admin/api/reports/${reportId}/retry`],
      ["GET", "/admin/api/dead-letters"],
      ["GET", `/admin/api/dead-letters/${reportId}`],
      ["POST", `/admin/api/dead-letters/${reportId}/redrive`],
    ];
    for (const [method, path] of routes) {
      const response = await fetch(`${webUrl}${path}`, { method, headers: bearer });
      expect(response.status, `${method} ${path}`).toBe(403);
      expect(response.headers.get("content-type"), path).toBe("application/problem+json");
    }
    // And nothing happened: mallory's report was neither cancelled nor retried.
    expect(await reportStatus(reportId)).not.toBe("Cancelled");
  });

  it("shows an operator another user's report and its whole story", async () => {
    const reportId = await requestReport("alice", { limit: 5, minRatings: 5 });
    await waitForStatus(reportId, "Completed", 60_000);
    const page = await openPage();
    await signInAs(page, OPERATOR);
    await page.getByRole("link", { name: "Operator console" }).click();
    await page.getByRole("heading", { name: "Pipeline" }).waitFor();

    await page.goto("/admin/reports?ownerId=alice");
    const row = page.locator(`tr[data-report-id="${reportId}"]`);
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain("alice");
    await screenshot(page, "admin-02-reports");

    await row.getByRole("link").click();
    const story = page.getByTestId("story");
    await story.locator('[data-event="status"]').last().waitFor();
    const events = await story
      .locator("li")
      .evaluateAll((items) => items.map((item) => item.getAttribute("data-event")));
    // accepted, relayed, delivered, claimed (Pending -> Processing), ..., Completed
    expect(events[0]).toBe("accepted");
    expect(events).toContain("relayed");
    expect(events).toContain("delivery");
    expect(await story.textContent()).toMatch(/Processing → Completed/);
    const traceId = await page.getByTestId("trace-id").textContent();
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    await screenshot(page, "admin-03-story");
  });

  it("re-drives a dead-lettered message and its report completes", async () => {
    // A fault that hits one report only: every claim of it fails (as a broken dependency
    // would), so each delivery fails, the last one gives up and the message is dead-lettered.
    // The trigger is in place before the request, so no worker can claim the report first.
    await db.pool.query(`
      CREATE OR REPLACE FUNCTION e2e_refuse_claim() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'injected by the browser test: the export cannot start'; END; $$`);
    await db.pool.query(
      `CREATE TRIGGER e2e_refuse_claim BEFORE UPDATE ON reports FOR EACH ROW
       WHEN (NEW.owner_id = 'bob-dead-letter' AND NEW.status = 'Processing') EXECUTE FUNCTION e2e_refuse_claim()`,
    );
    let reportId = "";
    try {
      reportId = await requestReport("bob-dead-letter", { limit: 3 });
      await waitForStatus(reportId, "Failed", 90_000);
      const deadline = Date.now() + 30_000;
      while (
        (await db.pool.query("SELECT 1 FROM dead_letters WHERE report_id = $1", [reportId])).rowCount === 0
      ) {
        if (Date.now() > deadline) throw new Error("the dead letter was not recorded");
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    } finally {
      // The operator fixes the cause.
      await db.pool.query("DROP TRIGGER IF EXISTS e2e_refuse_claim ON reports");
    }

    const page = await openPage();
    await signInAs(page, OPERATOR);
    await page.goto("/admin/dead-letters");
    const item = page.locator("li.dead-letter").filter({ hasText: reportId });
    await item.waitFor();
    await expect(item.textContent()).resolves.toContain("ExportFailed");
    await item.locator("summary").click();
    await expect(item.locator("pre").textContent()).resolves.toContain(reportId);
    await screenshot(page, "admin-04-dead-letters");
    await item.getByRole("button", { name: "Re-drive" }).click();
    // It leaves the list of those waiting, and shows who re-drove it among all of them.
    await item.waitFor({ state: "detached" });
    await page.getByLabel("Only those not re-driven").uncheck();
    await item.getByText(`Re-driven by ${OPERATOR}`).waitFor();

    await waitForStatus(reportId, "Completed", 60_000);
    await page.goto(`/admin/reports/${reportId}`);
    const story = page.getByTestId("story");
    await story.getByText("Pending → Processing").last().waitFor();
    await story.getByText("Processing → Completed").waitFor();
    const text = await story.textContent();
    expect(text).toMatch(/message dead-lettered: ExportFailed/);
    expect(text).toMatch(/Failed → Pending/);
    expect(text).toMatch(/operator redrive/);
    await screenshot(page, "admin-05-redriven-story");
  });

  it("renders the pipeline and the history charts", async () => {
    const page = await openPage();
    await signInAs(page, OPERATOR);
    await page.goto("/admin");
    const now = page.getByTestId("pipeline-now");
    await now.waitFor();
    // The broker's own numbers, read through the SDK's administration client.
    await expect(now.textContent()).resolves.toMatch(/Queue report-requests/);
    await page.getByTestId("workers").locator('tr[data-state="live"]').first().waitFor();
    for (const chart of ["throughput-chart", "duration-chart"]) {
      const figure = page.getByTestId(chart);
      await figure.locator("svg").waitFor();
      expect(await figure.locator("polyline, circle").count(), chart).toBeGreaterThan(0);
    }
    const label = await page.getByTestId("throughput-chart").locator("svg").getAttribute("aria-label");
    expect(label).toMatch(/accepted: max [1-9]/);
    await screenshot(page, "admin-06-pipeline");
  });
});
