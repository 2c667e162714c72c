import { describe, expect, it } from "vitest";
import { describeError } from "./describe-error.ts";

describe("describeError", () => {
  it("unwraps the bare AggregateError the SDK throws after its retries, keeping every inner error", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5672"), { code: "GeneralError" });
    expect(describeError(new AggregateError([refused, new Error("timeout")]))).toBe(
      "GeneralError: connect ECONNREFUSED 127.0.0.1:5672; timeout",
    );
    expect(describeError(new AggregateError([new Error("a")], "all addresses failed"))).toBe(
      "all addresses failed: a",
    );
  });

  it("keeps the error code, names an error without a message, and caps the length", () => {
    expect(describeError(Object.assign(new Error("nope"), { code: "ServiceBusy" }))).toBe(
      "ServiceBusy: nope",
    );
    expect(describeError(new TypeError())).toBe("TypeError");
    expect(describeError(new AggregateError([], "empty"))).toBe("empty");
    expect(describeError(new Error("x".repeat(5_000)))).toHaveLength(1_000);
    expect(describeError(new Error("x".repeat(50)), 10)).toHaveLength(10);
    expect(describeError("plain")).toBe("plain");
  });
});
