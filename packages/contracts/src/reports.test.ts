import { describe, expect, it } from "vitest";
import { ZExportRequestedV1, ZReportMessage } from "./messages.ts";
import { ZPopularityReportParameters, ZRequestReportInput } from "./reports.ts";

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

  it("accepts a full, valid parameter set", () => {
    const input = { from: "2023-01-01", to: "2024-01-01", genre: "Jazz", minRatings: 5, limit: 100 };
    expect(ZPopularityReportParameters.parse(input)).toEqual(input);
  });
});

describe("ZRequestReportInput", () => {
  it("fills default parameters", () => {
    expect(ZRequestReportInput.parse({ kind: "popularity" }).parameters).toEqual({ minRatings: 10 });
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
