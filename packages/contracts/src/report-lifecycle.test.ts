import { describe, expect, it } from "vitest";
import {
  canMoveReport,
  FINAL_REPORT_STATUSES,
  isFinalReportStatus,
  REPORT_STATUSES,
  reportStatusesLeadingTo,
  type TReportStatus,
  ZReportStatus,
} from "./report-lifecycle.ts";

/** Statuses reachable from `from` by any number of moves. */
function reachableFrom(from: TReportStatus): Set<TReportStatus> {
  const seen = new Set<TReportStatus>();
  const queue = [from];
  while (queue.length > 0) {
    const current = queue.shift()!;
    for (const to of REPORT_STATUSES) {
      if (canMoveReport(current, to) && !seen.has(to)) {
        seen.add(to);
        queue.push(to);
      }
    }
  }
  return seen;
}

describe("the report lifecycle", () => {
  it("lists the statuses in lifecycle order, and the zod enum accepts exactly those", () => {
    expect(REPORT_STATUSES).toEqual(["Pending", "Processing", "Completed", "Failed", "Cancelled", "Expired"]);
    expect(ZReportStatus.options).toEqual(REPORT_STATUSES);
    expect(ZReportStatus.safeParse("Canceled").success).toBe(false);
  });

  it("calls Completed, Failed, Cancelled and Expired final, and nothing else", () => {
    expect(FINAL_REPORT_STATUSES).toEqual(["Completed", "Failed", "Cancelled", "Expired"]);
    expect(REPORT_STATUSES.filter(isFinalReportStatus)).toEqual(FINAL_REPORT_STATUSES);
  });

  it("never leads from a final status back to work", () => {
    for (const final of FINAL_REPORT_STATUSES) {
      for (const to of reachableFrom(final)) expect(isFinalReportStatus(to), `${final} -> ${to}`).toBe(true);
    }
  });

  it("lets every status that is not final reach a final one (every accepted report ends)", () => {
    for (const status of REPORT_STATUSES.filter((s) => !isFinalReportStatus(s))) {
      expect([...reachableFrom(status)].some(isFinalReportStatus), status).toBe(true);
    }
  });

  it("gives each update its guard: who may move to a status", () => {
    expect(reportStatusesLeadingTo("Processing")).toEqual(["Pending", "Processing"]);
    expect(reportStatusesLeadingTo("Completed")).toEqual(["Processing"]);
    expect(reportStatusesLeadingTo("Failed")).toEqual(["Pending", "Processing"]);
    expect(reportStatusesLeadingTo("Cancelled")).toEqual(["Pending", "Processing"]);
    expect(reportStatusesLeadingTo("Pending")).toEqual([]);
  });

  it("reaches Expired only from Completed, and leaves no final status but Completed", () => {
    expect(reportStatusesLeadingTo("Expired")).toEqual(["Completed"]);
    for (const final of FINAL_REPORT_STATUSES) {
      const next = REPORT_STATUSES.filter((to) => canMoveReport(final, to));
      expect(next, final).toEqual(final === "Completed" ? ["Expired"] : []);
    }
  });
});
