import { nextOccurrence } from "@reports/contracts";
import { createDb, type Db } from "@reports/db";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { launchChromium, newContext, PHONE, recordCspViolations, screenshot, signIn } from "./browser.ts";

// The schedule form and list in Chromium against the local stack (its worker runs the
// scheduler). Screenshots go to e2e/artifacts/schedules-*.png.
const webUrl = inject("webUrl");
const stackEnv = inject("stackEnv");
const USER = `scheduler-${Date.now().toString(36)}`;

let browser: Browser;
let db: Db;
let page: Page;
const cspViolations: string[] = [];

beforeAll(async () => {
  browser = await launchChromium();
  db = createDb({ url: stackEnv.DATABASE_URL!, maxConnections: 2 });
  const context = await newContext(browser, webUrl);
  page = await context.newPage();
  page.on("pageerror", (err) => console.error(`page error: ${err.message}`));
  recordCspViolations(page, cspViolations);
  await signIn(page, USER);
});

afterAll(async () => {
  await page
    ?.context()
    .close()
    .catch(() => {});
  await browser?.close();
  await db?.close();
});

afterEach(() => {
  expect(cspViolations.splice(0)).toEqual([]);
});

const form = () => page.locator("form.schedule-form");
const fieldError = (field: string) => form().locator(`[data-field-error="${field}"]`);
const scheduleItems = () => page.locator("ul.schedule-list > li");

async function scheduleRow() {
  const { rows } = await db.pool.query<{
    id: string;
    next_run_at: Date | null;
    status: string;
    cron: string;
  }>("SELECT id, next_run_at, status, cron FROM report_schedules WHERE owner_id = $1", [USER]);
  return rows;
}

describe("scheduled exports in the dashboard", () => {
  it("shows no schedules, then opens the form with a preview of the first report", async () => {
    await page.getByText("No schedules yet").waitFor();
    await page.getByRole("button", { name: "New schedule…" }).click();
    await form().waitFor();
    // The browser's time zone is preselected and the preview says when the first report comes.
    await expect.poll(() => page.getByTestId("schedule-next-run").textContent()).toMatch(/^First report: /);
    await expect.poll(() => form().getByLabel("Genre").locator("option").count()).toBeGreaterThan(1);
    await form().scrollIntoViewIfNeeded();
    await screenshot(page, "schedules-01-form");
  });

  it("shows field errors from the form's own validation (the API's contract)", async () => {
    await form().getByLabel("Repeat").selectOption("cron");
    await form().getByLabel("Cron expression").fill("*/5 * * * *");
    await form().getByLabel("Minimum ratings").fill("0");
    await page.getByRole("button", { name: "Create schedule" }).click();
    await fieldError("name").waitFor();
    expect(await fieldError("name").textContent()).toContain("Give the schedule a name");
    expect(await fieldError("expression").textContent()).toBe("occurs more than once every 60 minutes");
    expect(await fieldError("minRatings").textContent()).toBe("Enter a whole number of at least 1.");
    expect(await page.evaluate(() => document.activeElement?.getAttribute("name"))).toBe("name");
    expect(await page.getByTestId("schedule-next-run").textContent()).not.toMatch(/First report/);
    await screenshot(page, "schedules-02-field-errors");
    expect(await scheduleRow()).toEqual([]);
  });

  it("creates a weekly schedule in a chosen time zone and lists it with its next run", async () => {
    await form().getByLabel("Name").fill("Monday jazz top 50");
    await form().getByLabel("Repeat").selectOption("weekly");
    await form().getByLabel("On", { exact: true }).selectOption("monday");
    await form().getByLabel("At", { exact: true }).fill("06:00");
    await form().getByLabel("Time zone").selectOption("Europe/Berlin");
    await form().getByLabel("Genre").selectOption({ index: 1 });
    await form().getByLabel("Minimum ratings").fill("5");
    await form().getByLabel("Top N").fill("50");
    await expect
      .poll(() => page.getByTestId("schedule-next-run").textContent())
      .toMatch(/^First report: Mon, .*, 06:00 \(Europe\/Berlin\)$/);
    await page.getByRole("button", { name: "Create schedule" }).click();

    await scheduleItems().first().waitFor();
    expect(await form().count()).toBe(0);
    const item = scheduleItems().first();
    expect(await item.getAttribute("data-status")).toBe("Active");
    expect(await item.getByRole("heading").textContent()).toBe("Monday jazz top 50");
    expect(await item.textContent()).toContain("Every Monday at 06:00");
    expect(await item.getByTestId("schedule-next").textContent()).toMatch(
      /^Next: Mon, .*, 06:00 \(Europe\/Berlin\)/,
    );

    const [row] = await scheduleRow();
    expect(row).toMatchObject({ status: "Active", cron: "0 6 * * 1" });
    expect(row!.next_run_at?.toISOString()).toBe(
      nextOccurrence("0 6 * * 1", "Europe/Berlin", new Date())?.toISOString(),
    );
    await item.scrollIntoViewIfNeeded();
    await screenshot(page, "schedules-03-list");
  });

  it("pauses and resumes the schedule", async () => {
    const item = scheduleItems().first();
    await item.getByRole("button", { name: "Pause" }).click();
    await page.locator('ul.schedule-list > li[data-status="Paused"]').waitFor();
    expect(await item.getByTestId("schedule-next").textContent()).toMatch(
      /^Paused: no reports until resumed/,
    );
    expect((await scheduleRow())[0]).toMatchObject({ status: "Paused", next_run_at: null });
    await screenshot(page, "schedules-04-paused");
    await item.getByRole("button", { name: "Resume" }).click();
    await page.locator('ul.schedule-list > li[data-status="Active"]').waitFor();
    expect((await scheduleRow())[0]!.status).toBe("Active");
  });

  it("shows the report an occurrence created, marked as scheduled, in the report list", async () => {
    const [row] = await scheduleRow();
    // The occurrence comes now instead of next Monday; the stack's worker fires it.
    await db.pool.query("UPDATE report_schedules SET next_run_at = now() WHERE id = $1", [row!.id]);
    await expect
      .poll(
        async () =>
          (await db.pool.query("SELECT status FROM reports WHERE schedule_id = $1", [row!.id])).rows[0]
            ?.status,
        { timeout: 60_000, interval: 500 },
      )
      .toBe("Completed");
    await page.reload();
    const report = page.locator('ol.report-list > li[data-status="Completed"]').first();
    await report.waitFor();
    expect(await report.getByTestId("scheduled-for").textContent()).toMatch(/^Scheduled · /);
    await expect
      .poll(() => scheduleItems().first().getByTestId("schedule-next").textContent())
      .toContain("last report for");
    await screenshot(page, "schedules-05-scheduled-report");
  });

  it("deletes the schedule after a confirmation; its report stays", async () => {
    const item = scheduleItems().first();
    await item.getByRole("button", { name: "Delete…" }).click();
    await item.getByRole("button", { name: "Delete schedule" }).click();
    await page.getByText("No schedules yet").waitFor();
    expect(await scheduleRow()).toEqual([]);
    expect(await page.locator("ol.report-list > li").count()).toBe(1);
  });

  it("shows a report whose file retention removed as Expired, with no download and a way to generate it again", async () => {
    // What the worker's retention loop does to a report whose file is past the period
    // (apps/worker/test/retention.integration.test.ts runs the loop itself).
    const { rows } = await db.pool.query<{ id: string }>(
      "UPDATE reports SET status = 'Expired', blob_name = NULL WHERE owner_id = $1 AND status = 'Completed' RETURNING id",
      [USER],
    );
    expect(rows).toHaveLength(1);
    await page.reload();
    const report = page.locator(`ol.report-list > li[data-report-id="${rows[0]!.id}"]`);
    await report.waitFor();
    expect(await report.getAttribute("data-status")).toBe("Expired");
    expect(await report.getByTestId("expired-note").textContent()).toContain("The file was removed");
    expect(await report.getByRole("button", { name: "Download CSV" }).count()).toBe(0);
    await report.scrollIntoViewIfNeeded();
    await screenshot(page, "schedules-07-expired-report");
    await report.getByRole("button", { name: "Generate again" }).click();
    await page.locator("ol.report-list > li").nth(1).waitFor();
  });

  it("fits a phone screen", async () => {
    const phone = await newContext(browser, webUrl, PHONE);
    const small = await phone.newPage();
    recordCspViolations(small, cspViolations);
    await signIn(small, USER);
    await small.getByRole("button", { name: "New schedule…" }).click();
    await small.locator("form.schedule-form").waitFor();
    const overflow = await small.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(small, "schedules-06-phone");
    await phone.close();
  });
});
