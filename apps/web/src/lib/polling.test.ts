import type { TReportStatus } from "@reports/contracts";
import { describe, expect, it } from "vitest";
import {
  createReportPoller,
  fingerprintReport,
  INITIAL_POLL_STATE,
  observePoll,
  pollDelayMs,
} from "./polling.ts";

const policy = { baseSeconds: 2, factor: 1.5, maxSeconds: 30 };

function report(status: TReportStatus, rowsWritten = 0, updatedAt = "2026-01-01T00:00:00.000Z") {
  return { status, updatedAt, progress: { rowsWritten, totalRows: 100 } };
}

describe("pollDelayMs", () => {
  it("starts at the server's Retry-After", () => {
    expect(pollDelayMs(0, policy)).toBe(2_000);
  });

  it("grows by 1.5× per unchanged poll", () => {
    expect([1, 2, 3].map((n) => pollDelayMs(n, policy))).toEqual([3_000, 4_500, 6_750]);
  });

  it("never exceeds the ceiling", () => {
    expect(pollDelayMs(50, policy)).toBe(30_000);
  });

  it("honours a Retry-After longer than the ceiling", () => {
    expect(pollDelayMs(3, { ...policy, baseSeconds: 60 })).toBe(60_000);
  });
});

describe("observePoll", () => {
  it("counts a result seen twice only once", () => {
    const first = observePoll(INITIAL_POLL_STATE, 1, "a");
    const second = observePoll(first, 2, "a");
    expect(observePoll(second, 2, "a")).toBe(second);
    expect(second.unchangedPolls).toBe(1);
  });

  it("resets the backoff when the report changes", () => {
    let state = observePoll(INITIAL_POLL_STATE, 1, "a");
    state = observePoll(state, 2, "a");
    state = observePoll(state, 3, "a");
    expect(state.unchangedPolls).toBe(2);
    expect(observePoll(state, 4, "b").unchangedPolls).toBe(0);
  });
});

describe("createReportPoller", () => {
  it("polls at the server's pace while progress moves, backs off while it stalls, and stops when final", () => {
    const poller = createReportPoller(policy);
    const at = (n: number, data: ReturnType<typeof report>) =>
      poller.next({ data, dataUpdatedAt: n, errorUpdatedAt: 0 });
    expect(at(1, report("Processing", 10))).toBe(2_000);
    expect(at(2, report("Processing", 20, "2026-01-01T00:00:01.000Z"))).toBe(2_000);
    expect(at(3, report("Processing", 20, "2026-01-01T00:00:01.000Z"))).toBe(3_000);
    expect(at(4, report("Processing", 20, "2026-01-01T00:00:01.000Z"))).toBe(4_500);
    expect(at(5, report("Completed", 100, "2026-01-01T00:00:09.000Z"))).toBe(false);
  });

  it("evaluating the same result repeatedly does not back off", () => {
    const poller = createReportPoller(policy);
    const query = { data: report("Pending"), dataUpdatedAt: 7, errorUpdatedAt: 0 };
    expect(poller.next(query)).toBe(2_000);
    expect(poller.next(query)).toBe(2_000);
    expect(poller.next(query)).toBe(2_000);
  });

  it("backs off while requests fail", () => {
    const poller = createReportPoller(policy);
    poller.next({ data: report("Pending"), dataUpdatedAt: 1, errorUpdatedAt: 0 });
    expect(poller.next({ data: report("Pending"), dataUpdatedAt: 1, errorUpdatedAt: 2 })).toBe(3_000);
    expect(poller.next({ data: report("Pending"), dataUpdatedAt: 1, errorUpdatedAt: 3 })).toBe(4_500);
  });

  it("does not poll a report that is already Failed", () => {
    const poller = createReportPoller(policy);
    expect(poller.next({ data: report("Failed"), dataUpdatedAt: 1, errorUpdatedAt: 0 })).toBe(false);
  });
});

describe("fingerprintReport", () => {
  it("changes with status, update time and rows written", () => {
    const base = fingerprintReport(report("Processing", 1));
    expect(fingerprintReport(report("Completed", 1))).not.toBe(base);
    expect(fingerprintReport(report("Processing", 2))).not.toBe(base);
    expect(fingerprintReport(report("Processing", 1, "2026-02-01T00:00:00.000Z"))).not.toBe(base);
  });
});
