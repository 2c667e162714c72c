import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { BlobServiceClient } from "@azure/storage-blob";
import { REPORT_FAILURE_REASONS, REPORTS_CONTAINER } from "@reports/contracts";
import { createDb, type Db } from "@reports/db";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { launchChromium, newContext, PHONE, recordCspViolations, screenshot, signIn } from "./browser.ts";

const CSV_HEADER = "rank,album_id,title,artist,release_year,genre,ratings_count,average_rating,score";

const webUrl = inject("webUrl");
const stackEnv = inject("stackEnv");

let browser: Browser;
let db: Db;
const pages: Page[] = [];
const cspViolations: string[] = [];

async function openPage(viewport?: { width: number; height: number }): Promise<Page> {
  const context = await newContext(browser, webUrl, viewport);
  const page = await context.newPage();
  // A script error in the page is a bug even when the scenario still passes: say so.
  page.on("pageerror", (err) => console.error(`page error: ${err.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") console.error(`browser console: ${message.text()}`);
  });
  recordCspViolations(page, cspViolations);
  pages.push(page);
  return page;
}

function reportItems(page: Page) {
  return page.locator("ol.report-list > li");
}

/** Albums of `genre` with at least `minRatings` ratings: the report's rows, computed independently. */
async function countQualifyingAlbums(genre: string, minRatings: number): Promise<number> {
  const result = await db.pool.query<{ count: string }>(
    `SELECT count(*) FROM (
       SELECT a.id FROM albums a JOIN ratings r ON r.album_id = a.id
       WHERE a.genre = $1 GROUP BY a.id HAVING count(*) >= $2
     ) qualifying`,
    [genre, minRatings],
  );
  return Number(result.rows[0]?.count ?? 0);
}

/** Waits for a report row with `status`; on timeout says what the database holds for the owner. */
async function waitForReportStatus(page: Page, ownerId: string, status: string, timeout: number) {
  try {
    await page.locator(`li[data-status="${status}"]`).first().waitFor({ timeout });
  } catch (err) {
    const rows = await db.pool.query(
      `SELECT r.status, r.attempts, r.error, r.updated_at, o.sent_at, o.attempts AS outbox_attempts, o.last_error
         FROM reports r LEFT JOIN outbox_messages o ON o.correlation_id = r.id::text
        WHERE r.owner_id = $1 ORDER BY r.created_at DESC`,
      [ownerId],
    );
    const visibility = await page.evaluate(() => document.visibilityState).catch(() => "unknown");
    throw new Error(
      `no ${status} report shown for ${ownerId} (page ${visibility}); database: ${JSON.stringify(rows.rows)}`,
      { cause: err },
    );
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
});

// The dashboard works under its Content-Security-Policy: nothing it does is blocked.
afterEach(() => {
  expect(cspViolations.splice(0)).toEqual([]);
});

describe("the security headers of the built app", () => {
  const EVERY_RESPONSE = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
  };

  function expectSecurityHeaders(response: Response, what: string) {
    for (const [name, value] of Object.entries(EVERY_RESPONSE)) {
      expect(response.headers.get(name), `${name} of ${what}`).toBe(value);
    }
    expect(response.headers.get("content-security-policy"), what).toMatch(/frame-ancestors 'none'/);
    // APP_ENV=development over http: no HSTS.
    expect(response.headers.get("strict-transport-security"), what).toBeNull();
  }

  it("are on pages, API answers, errors and static files, and Next.js stamps its scripts with the nonce", async () => {
    for (const path of ["/signin", "/docs"]) {
      const page = await fetch(`${webUrl}${path}`);
      expect(page.status).toBe(200);
      expectSecurityHeaders(page, path);
      const nonce = /'nonce-([^']+)'/.exec(page.headers.get("content-security-policy") ?? "")?.[1];
      expect(nonce).toBeDefined();
      const html = await page.text();
      const scripts = html.match(/<script\b[^>]*>/g) ?? [];
      expect(scripts.length).toBeGreaterThan(0);
      for (const script of scripts) expect(script, `${path}: ${script}`).toContain(`nonce="${nonce}"`);
      const chunk = /src="(\/_next\/static\/[^"]+\.js)"/.exec(html)?.[1];
      expect(chunk).toBeDefined();
      const asset = await fetch(`${webUrl}${chunk}`);
      expect(asset.status).toBe(200);
      expectSecurityHeaders(asset, chunk!);
    }
    const answers: Array<[string, RequestInit, number]> = [
      ["/healthz", {}, 200],
      ["/openapi.json", {}, 200],
      ["/reports/popularity", { method: "POST" }, 401],
      ["/api/trpc/reports.list", {}, 401],
      ["/no-such-page", {}, 404],
    ];
    for (const [path, init, status] of answers) {
      const response = await fetch(`${webUrl}${path}`, { ...init, redirect: "manual" });
      expect(response.status, path).toBe(status);
      expectSecurityHeaders(response, path);
    }
    const signIn = await fetch(`${webUrl}/api/session`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "userName=helen",
      redirect: "manual",
    });
    expect(signIn.status).toBe(303);
    expectSecurityHeaders(signIn, "the sign-in redirect");
  });
});

describe("the dashboard in a real browser against the local stack", () => {
  let alicePage: Page;
  let aliceReportId: string;

  it("sends a signed-out visitor to the sign-in page and signs in with a user name", async () => {
    const page = await openPage();
    await page.goto("/");
    expect(new URL(page.url()).pathname).toBe("/signin");
    await page.getByLabel("User name").waitFor();
    await screenshot(page, "01-sign-in");

    await page.getByLabel("User name").fill("alice");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Your reports" }).waitFor();
    await page.getByText("No reports yet").waitFor();
    expect(await page.locator(".user-name").textContent()).toBe("alice");
    // The genre select is filled from the catalogue.
    await expect.poll(() => page.getByLabel("Genre").locator("option").count()).toBeGreaterThan(1);
    await screenshot(page, "02-empty-dashboard");

    const cookies = await page.context().cookies();
    const session = cookies.find((cookie) => cookie.name === "reports_session");
    expect(session).toMatchObject({ httpOnly: true, sameSite: "Lax" });
    alicePage = page;
  });

  it("rejects an empty user name on the sign-in page", async () => {
    const page = await openPage();
    await page.goto("/signin");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.locator("#userName-error").waitFor();
    expect(await page.locator("#userName-error").textContent()).toContain("Enter a user name");
    await page.context().close();
  });

  it("shows field errors for bad input, from the form's own validation and from the server", async () => {
    const page = alicePage;
    await page.getByLabel("From", { exact: true }).fill("2025-06-01");
    await page.getByLabel("To", { exact: true }).fill("2025-01-01");
    await page.getByLabel("Minimum ratings").fill("0");
    await page.getByLabel("Top N").fill("2.5");
    await page.getByRole("button", { name: "Generate report" }).click();

    const error = (field: string) => page.locator(`[data-field-error="${field}"]`);
    await error("to").waitFor();
    expect(await error("to").textContent()).toBe("The end date must be after the start date.");
    expect(await error("minRatings").textContent()).toBe("Enter a whole number of at least 1.");
    expect(await error("limit").textContent()).toContain("whole number");
    expect(await page.getByLabel("Minimum ratings").getAttribute("aria-invalid")).toBe("true");
    // The first bad field has the focus.
    expect(await page.evaluate(() => document.activeElement?.getAttribute("name"))).toBe("to");
    await screenshot(page, "03-field-errors");
    expect(await reportItems(page).count()).toBe(0);

    // The server validates with the same contract: tamper with the request on its way out
    // and the server's field error lands on the field.
    await page.getByLabel("From", { exact: true }).fill("");
    await page.getByLabel("To", { exact: true }).fill("");
    await page.getByLabel("Minimum ratings").fill("10");
    await page.getByLabel("Top N").fill("");
    await page.route("**/api/trpc/reports.request**", async (route) => {
      const body = JSON.parse(route.request().postData() ?? "{}") as Record<string, { parameters: object }>;
      for (const input of Object.values(body)) input.parameters = { ...input.parameters, minRatings: -5 };
      await route.continue({ postData: JSON.stringify(body) });
    });
    await page.getByRole("button", { name: "Generate report" }).click();
    await error("minRatings").waitFor();
    expect(await error("minRatings").textContent()).toMatch(/>=\s*1|at least 1/i);
    await page.unroute("**/api/trpc/reports.request**");
    expect(await reportItems(page).count()).toBe(0);
  });

  it("generates one report from a double click, watches it complete, shows the chart and downloads the CSV", async () => {
    const page = alicePage;
    const genreSelect = page.getByLabel("Genre");
    const genre = (await genreSelect.locator("option").nth(1).getAttribute("value"))!;
    await genreSelect.selectOption(genre);
    await page.getByLabel("Minimum ratings").fill("5");
    await page.getByLabel("Top N").fill("25");
    const expectedRows = Math.min(25, await countQualifyingAlbums(genre, 5));
    expect(expectedRows).toBeGreaterThan(0);

    const started = Date.now();
    await page.getByRole("button", { name: "Generate report" }).dblclick();
    const item = reportItems(page).first();
    await item.waitFor();
    await waitForReportStatus(page, "alice", "Completed", 60_000);
    const secondsToComplete = (Date.now() - started) / 1000;
    // A double click sent the same Idempotency-Key twice: one report.
    await page.waitForTimeout(500);
    expect(await reportItems(page).count()).toBe(1);
    aliceReportId = (await item.getAttribute("data-report-id"))!;
    expect(await item.locator(".report-title").textContent()).toBe(
      `${genre} · all time · ≥ 5 ratings · top 25`,
    );
    expect(await item.locator(".report-meta").first().textContent()).toContain(`${expectedRows} rows`);

    // The newest report opens its preview when it completes: chart + table from the real file.
    const chart = item.getByTestId("score-chart");
    await chart.waitFor({ timeout: 15_000 });
    expect(await chart.getAttribute("role")).toBe("img");
    expect(await chart.getAttribute("aria-label")).toMatch(/^Bar chart of the top \d+ albums by score/);
    const shown = Math.min(10, expectedRows);
    expect(await item.locator(".chart-row").count()).toBe(shown);
    expect(await item.locator(".preview-table tbody tr").count()).toBe(shown);
    await screenshot(page, "04-completed-with-chart");

    const downloadPromise = page.waitForEvent("download");
    await item.getByRole("button", { name: "Download CSV" }).click();
    const download = await downloadPromise;
    expect(download.suggestedFilename()).toBe(`popularity-report-${aliceReportId.slice(0, 8)}.csv`);
    expect(download.url()).toContain(REPORTS_CONTAINER);
    const csv = await readFile((await download.path())!, "utf8");
    const lines = csv.split("\r\n").filter((line) => line !== "");
    expect(lines[0]).toBe(CSV_HEADER);
    expect(lines.length - 1).toBe(expectedRows);
    // The chart's first bar is the file's first row.
    const firstTitle = await item
      .locator(".preview-table tbody tr")
      .first()
      .locator("td")
      .nth(1)
      .textContent();
    expect(firstTitle).toContain(lines[1]!.split(",")[2]!.replace(/^"|"$/g, ""));
    console.warn(`e2e: report completed ${secondsToComplete.toFixed(1)} s after the click`);
  });

  it("shows a running report's progress and elapsed time, updating without a reload", async () => {
    // The sample catalogue exports in well under a second, too fast to catch mid-way; so
    // this user's report is put in the state the worker writes while it runs, and moved on.
    const reportId = randomUUID();
    const startedAt = new Date(Date.now() - 12_000);
    await db.prisma.report.create({
      data: {
        id: reportId,
        kind: "popularity",
        ownerId: "dana",
        parameters: { minRatings: 10, genre: "Jazz" },
        status: "Processing",
        createdAt: new Date(Date.now() - 15_000),
        startedAt,
        attempts: 1,
        progressRows: 0,
        expectedRows: 3_000,
      },
    });
    const page = await openPage();
    await signIn(page, "dana");
    const item = page.locator(`li[data-report-id="${reportId}"]`);
    await item.locator(".progress-text").getByText("0 of 3,000 rows").waitFor();
    // The badge says what the API says.
    expect(await item.locator(".badge").textContent()).toBe("Processing");
    await db.prisma.report.update({
      where: { id: reportId },
      data: { progressRows: 1_200, updatedAt: new Date() },
    });
    await item.locator(".progress-text").getByText("1,200 of 3,000 rows · 40%").waitFor({ timeout: 15_000 });
    expect(await item.getByRole("progressbar").getAttribute("aria-valuenow")).toBe("1200");
    expect(await item.getByTestId("elapsed").textContent()).toMatch(/^0:\d\d$/);
    await screenshot(page, "05-running-with-progress");
    await db.prisma.report.update({
      where: { id: reportId },
      data: { status: "Failed", error: "Stopped by the test.", completedAt: new Date() },
    });
    await item.locator('[data-testid="failure-reason"]').waitFor({ timeout: 40_000 });
  });

  it("never shows one user's reports to another", async () => {
    const page = await openPage();
    await signIn(page, "bob");
    await page.getByText("No reports yet").waitFor();
    // Asking for alice's report by id answers like an unknown id.
    const status = await page.evaluate(async (reportId) => {
      const input = encodeURIComponent(JSON.stringify({ reportId }));
      return (await fetch(`/api/trpc/reports.get?input=${input}`)).status;
    }, aliceReportId);
    expect(status).toBe(404);
  });

  it("pages through many reports with Load more, newest first", async () => {
    const now = Date.now();
    await db.prisma.report.createMany({
      data: Array.from({ length: 12 }, (_, i) => ({
        id: randomUUID(),
        kind: "popularity" as const,
        ownerId: "frank",
        parameters: { minRatings: i + 1 },
        status: "Failed" as const,
        error: "Seeded by the test.",
        createdAt: new Date(now - (i + 1) * 60_000),
        completedAt: new Date(now - (i + 1) * 60_000),
      })),
    });
    const page = await openPage();
    await signIn(page, "frank");
    await expect.poll(() => reportItems(page).count()).toBe(10);
    expect(await reportItems(page).first().locator(".report-title").textContent()).toContain("≥ 1 ratings");
    await page.getByRole("button", { name: "Load more" }).click();
    await expect.poll(() => reportItems(page).count()).toBe(12);
    expect(await reportItems(page).last().locator(".report-title").textContent()).toContain("≥ 12 ratings");
    await page.getByText("That is all of your reports.").waitFor();
  });

  it("works at phone width", async () => {
    const page = await openPage(PHONE);
    await signIn(page, "alice");
    await page.locator('li[data-status="Completed"]').first().getByTestId("score-chart").waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, "07-phone");
  });

  it("shows why a report failed when its file cannot be written, and tries again with the same parameters", async () => {
    // Runs last but one: deleting the container also deletes the files of earlier reports.
    // A real failure: the storage container the worker writes to is gone (deleted by an
    // operator, or a misconfigured account). Every delivery fails, and after the queue's
    // last delivery the report is Failed: its owner reads a reason written for them, while
    // the storage error itself is kept for operators (error_detail), never shown.
    const blobs = BlobServiceClient.fromConnectionString(stackEnv.BLOB_CONNECTION_STRING!);
    const container = blobs.getContainerClient(REPORTS_CONTAINER);
    await container.delete();
    const page = await openPage();
    try {
      await signIn(page, "erin");
      await page.getByLabel("Top N").fill("5");
      await page.getByRole("button", { name: "Generate report" }).click();
      await waitForReportStatus(page, "erin", "Failed", 90_000);
      const failed = page.locator('li[data-status="Failed"]').first();
      const reason = await failed.getByTestId("failure-reason").textContent();
      expect(reason).toContain(REPORT_FAILURE_REASONS.exportFailed);
      expect(reason).not.toMatch(/container|ContainerNotFound/i);
      const { rows } = await db.pool.query<{ error_detail: string }>(
        "SELECT error_detail FROM reports WHERE owner_id = 'erin' AND status = 'Failed'",
      );
      expect(rows[0]?.error_detail).toMatch(/ContainerNotFound/);
      await screenshot(page, "06-failed");
    } finally {
      await container.createIfNotExists();
    }
    // Keyboard: Try again is reachable and works with Enter.
    const retry = page.locator('li[data-status="Failed"]').first().getByRole("button", { name: "Try again" });
    await retry.focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => reportItems(page).count(), { timeout: 10_000 }).toBe(2);
    const newest = reportItems(page).first();
    await waitForReportStatus(page, "erin", "Completed", 60_000);
    expect(await newest.getAttribute("data-status")).toBe("Completed");
    expect(await newest.locator(".report-title").textContent()).toContain("top 5");
  });

  it("signs out", async () => {
    const page = alicePage;
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByText("You are signed out.").waitFor();
    await page.goto("/");
    expect(new URL(page.url()).pathname).toBe("/signin");
  });
});
