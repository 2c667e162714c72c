import { describe, expect, it } from "vitest";
import { describeDeadLetter, failureOfDeadLetter } from "./start-dead-letter-watcher.ts";

describe("describeDeadLetter", () => {
  it("explains the broker's reasons in words", () => {
    expect(describeDeadLetter({ deadLetterReason: "MaxDeliveryCountExceeded" })).toMatch(
      /maximum number of times/,
    );
    expect(describeDeadLetter({ deadLetterReason: "TTLExpiredException" })).toMatch(/expired in the queue/);
  });

  it("uses the worker's own description when there is one", () => {
    expect(describeDeadLetter({ deadLetterReason: "ExportFailed", deadLetterErrorDescription: "boom" })).toBe(
      "boom (ExportFailed)",
    );
    expect(describeDeadLetter({})).toBe("The export request was dead-lettered (unknown reason).");
  });
});

describe("failureOfDeadLetter", () => {
  it("tells the owner, in words, what kind of failure it was", () => {
    expect(failureOfDeadLetter("ExportFailed")).toBe("exportFailed");
    expect(failureOfDeadLetter("MaxDeliveryCountExceeded")).toBe("interrupted");
    expect(failureOfDeadLetter("TTLExpiredException")).toBe("expired");
    for (const reason of ["MalformedMessage", "UnknownReport", "something new", undefined]) {
      expect(failureOfDeadLetter(reason)).toBe("unprocessable");
    }
  });
});
