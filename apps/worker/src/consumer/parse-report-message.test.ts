import { describe, expect, it } from "vitest";
import { decodeMessageBody, parseReportMessage } from "./parse-report-message.ts";

const VALID = {
  type: "reports.export-requested.v1",
  reportId: "0b9d7c1e-6f5a-4e8b-9a51-3f1c2d4e5f60",
  kind: "popularity",
  ownerId: "alice",
  parameters: { genre: "Jazz" },
  requestedAt: "2026-01-01T00:00:00.000Z",
};

describe("parseReportMessage", () => {
  it("accepts the body as an object, a Buffer or a string, filling defaults", () => {
    for (const body of [VALID, Buffer.from(JSON.stringify(VALID)), JSON.stringify(VALID)]) {
      const parsed = parseReportMessage(body);
      expect(parsed).toEqual({
        ok: true,
        message: { ...VALID, parameters: { genre: "Jazz", minRatings: 10 } },
      });
    }
  });

  it("reports invalid JSON, non-objects and a missing type as MalformedMessage", () => {
    for (const body of ["{not json", 42, null, [VALID], Buffer.from("[]"), { reportId: VALID.reportId }]) {
      const parsed = parseReportMessage(body);
      expect(parsed.ok).toBe(false);
      expect(parsed.ok ? undefined : parsed.reason).toBe("MalformedMessage");
    }
  });

  it("reports a type the worker does not know as UnknownMessageType", () => {
    expect(parseReportMessage({ ...VALID, type: "reports.export-requested.v9" })).toEqual({
      ok: false,
      reason: "UnknownMessageType",
      description: 'unknown message type "reports.export-requested.v9"',
    });
  });

  it("names the invalid fields of a known type", () => {
    const parsed = parseReportMessage({ ...VALID, reportId: "nope", parameters: { minRatings: 0 } });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.reason).toBe("MalformedMessage");
    expect(parsed.description).toContain("reportId");
    expect(parsed.description).toContain("parameters.minRatings");
  });
});

describe("decodeMessageBody", () => {
  it("returns the JSON object of a body given as an object, a Buffer, bytes or a string", () => {
    const json = JSON.stringify({ reportId: "r", extra: [1] });
    for (const body of [JSON.parse(json), Buffer.from(json), new TextEncoder().encode(json), json]) {
      expect(decodeMessageBody(body)).toEqual({ ok: true, value: { reportId: "r", extra: [1] } });
    }
  });

  it("says why a body is not a JSON object", () => {
    expect(decodeMessageBody("{")).toEqual({ ok: false, description: "body is not valid JSON" });
    expect(decodeMessageBody("[1]")).toEqual({ ok: false, description: "body is not a JSON object" });
    expect(decodeMessageBody(undefined)).toEqual({ ok: false, description: "body is not a JSON object" });
  });
});
