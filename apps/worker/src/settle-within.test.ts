import { describe, expect, it } from "vitest";
import { settleWithin } from "./settle-within.ts";

describe("settleWithin", () => {
  it("reports a promise that settles in time, even by rejecting", async () => {
    expect(await settleWithin(Promise.resolve(1), 1_000)).toBe("settled");
    expect(await settleWithin(Promise.reject(new Error("x")), 1_000)).toBe("settled");
  });

  it("gives up after the deadline", async () => {
    expect(await settleWithin(new Promise(() => {}), 20)).toBe("timed-out");
  });
});
