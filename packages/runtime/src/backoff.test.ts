import { describe, expect, it } from "vitest";
import { computeBackoffMs, sleep } from "./backoff.ts";

describe("computeBackoffMs", () => {
  it("doubles per attempt and never exceeds the cap", () => {
    const high = () => 0.999_999;
    const delays = [1, 2, 3, 4, 5, 6, 10, 50].map((attempt) =>
      computeBackoffMs(attempt, { baseMs: 100, maxMs: 1_000, random: high }),
    );
    expect(delays).toEqual([100, 200, 400, 800, 1_000, 1_000, 1_000, 1_000]);
  });

  it("keeps at least half the delay whatever the jitter", () => {
    expect(computeBackoffMs(3, { baseMs: 100, maxMs: 10_000, random: () => 0 })).toBe(200);
  });
});

describe("sleep", () => {
  it("returns early when aborted", async () => {
    const controller = new AbortController();
    const started = Date.now();
    const pending = sleep(10_000, controller.signal);
    controller.abort();
    await pending;
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
