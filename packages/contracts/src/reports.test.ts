import { describe, expect, it } from "vitest";
import { ZExportRequestedV1, ZReportMessage } from "./messages.ts";
import { ZListReportsInput, ZPopularityReportParameters, ZRequestReportInput } from "./reports.ts";

describe("ZPopularityReportParameters", () => {
  it("defaults minRatings to 10 for an empty body", () => {
    expect(ZPopularityReportParameters.parse({})).toEqual({ minRatings: 10 });
  });

  it("rejects unknown fields, bad dates, a reversed window and out-of-range numbers", () => {
    const result = ZPopularityReportParameters.safeParse({
      from: "2024-13-01",
      minRatings: 0,
      limit: 2.5,
      colour: "blue",
    });
    expect(result.success).toBe(false);
    const paths = result.error?.issues.map((issue) => issue.path.join(".") || issue.code).sort();
    expect(paths).toEqual(["from", "limit", "minRatings", "unrecognized_keys"].sort());
    expect(ZPopularityReportParameters.safeParse({ from: "2024-02-01", to: "2024-01-01" }).success).toBe(
      false,
    );
  });

  it("refuses dates outside 1900-01-01..9999-12-31 (no timestamp holds year 0000)", () => {
    for (const date of ["0000-01-01", "0001-01-01", "1899-12-31"]) {
      const result = ZPopularityReportParameters.safeParse({ from: date });
      expect(result.error?.issues.map((issue) => issue.message)).toEqual([
        "must be between 1900-01-01 and 9999-12-31",
      ]);
    }
    expect(ZPopularityReportParameters.safeParse({ from: "1900-01-01", to: "9999-12-31" }).success).toBe(
      true,
    );
  });

  it("refuses a genre with NUL or an unpaired surrogate, which PostgreSQL cannot store", () => {
    for (const genre of ["Jazz\u0000", "\ud800", "Rock\udfff", "\udc00a"]) {
      const result = ZPopularityReportParameters.safeParse({ genre });
      expect(result.error?.issues[0]).toMatchObject({
        path: ["genre"],
        message: "must not contain NUL characters or unpaired surrogates",
      });
    }
    expect(ZPopularityReportParameters.parse({ genre: "Zoë 🎷" }).genre).toBe("Zoë 🎷");
  });

  it("accepts a full, valid parameter set", () => {
    const input = { from: "2023-01-01", to: "2024-01-01", genre: "Jazz", minRatings: 5, limit: 100 };
    expect(ZPopularityReportParameters.parse(input)).toEqual(input);
  });
});

describe("ZRequestReportInput", () => {
  it("fills default parameters", () => {
    expect(ZRequestReportInput.parse({ kind: "popularity" }).parameters).toEqual({ minRatings: 10 });
  });

  it("refuses an Idempotency-Key with NUL or an unpaired surrogate", () => {
    for (const idempotencyKey of ["key\u0000", "\ud83d", ""]) {
      expect(ZRequestReportInput.safeParse({ kind: "popularity", idempotencyKey }).success).toBe(false);
    }
    expect(ZRequestReportInput.parse({ kind: "popularity", idempotencyKey: " ü-1 " }).idempotencyKey).toBe(
      "ü-1",
    );
  });
});

describe("ZListReportsInput", () => {
  it("takes only base64url cursors, as the API hands them out", () => {
    expect(ZListReportsInput.parse({ cursor: "WyIyMDI2LTAxLTAxIl0_-" }).cursor).toBe("WyIyMDI2LTAxLTAxIl0_-");
    for (const cursor of ["\u0000", "abc=", "a b", "\ud800", "é"]) {
      expect(ZListReportsInput.safeParse({ cursor }).success).toBe(false);
    }
  });
});

describe("ZReportMessage", () => {
  it("parses a v1 export message and refuses an unknown type", () => {
    const message = {
      type: "reports.export-requested.v1",
      reportId: "0b9d7c1e-6f5a-4e8b-9a51-3f1c2d4e5f60",
      kind: "popularity",
      ownerId: "alice",
      parameters: { minRatings: 10 },
      requestedAt: "2026-01-01T00:00:00.000Z",
    };
    expect(ZExportRequestedV1.parse(message)).toEqual(message);
    expect(ZReportMessage.safeParse({ ...message, type: "reports.export-requested.v9" }).success).toBe(false);
  });
});
