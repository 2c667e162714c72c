import { TRPCClientError } from "@trpc/client";
import { describe, expect, it } from "vitest";
import { describeApiError } from "./errors.ts";

describe("describeApiError", () => {
  it("shows a limit's own sentence, which says what to do", () => {
    const error = TRPCClientError.from({
      error: {
        message: "You have 5 reports running; try again when one finishes.",
        code: -32029,
        data: { code: "TOO_MANY_REQUESTS", httpStatus: 429, appCode: "TOO_MANY_REQUESTS", fieldErrors: null },
      },
    });
    expect(describeApiError(error)).toBe("You have 5 reports running; try again when one finishes.");
  });
});
