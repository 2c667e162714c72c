import { describe, expect, it } from "vitest";
import { EMPTY_REPORT_FORM, mapServerFieldErrors, toFormValues, validateReportForm } from "./report-form.ts";

describe("validateReportForm", () => {
  it("accepts the defaults as a report over everything with at least 10 ratings", () => {
    expect(validateReportForm(EMPTY_REPORT_FORM)).toEqual({ ok: true, parameters: { minRatings: 10 } });
  });

  it("passes every filled field to the contract, typed", () => {
    const result = validateReportForm({
      from: "2024-01-01",
      to: "2025-01-01",
      genre: "Jazz",
      minRatings: "5",
      limit: "50",
    });
    expect(result).toEqual({
      ok: true,
      parameters: { from: "2024-01-01", to: "2025-01-01", genre: "Jazz", minRatings: 5, limit: 50 },
    });
  });

  it("puts the date-order error on the end date", () => {
    const result = validateReportForm({ ...EMPTY_REPORT_FORM, from: "2025-01-01", to: "2024-01-01" });
    expect(result).toEqual({ ok: false, errors: { to: "The end date must be after the start date." } });
  });

  it("reports a wrong date order together with other bad fields", () => {
    const result = validateReportForm({
      ...EMPTY_REPORT_FORM,
      from: "2025-06-01",
      to: "2025-01-01",
      minRatings: "0",
    });
    expect(result).toEqual({
      ok: false,
      errors: {
        minRatings: "Enter a whole number of at least 1.",
        to: "The end date must be after the start date.",
      },
    });
  });

  it("names each bad number field in words", () => {
    const result = validateReportForm({ ...EMPTY_REPORT_FORM, minRatings: "0", limit: "2.5" });
    expect(result).toEqual({
      ok: false,
      errors: {
        minRatings: "Enter a whole number of at least 1.",
        limit: "Enter a whole number of at least 1, or leave empty for all albums.",
      },
    });
  });

  it("rejects numbers above the contract's maximum", () => {
    const result = validateReportForm({ ...EMPTY_REPORT_FORM, limit: "100001" });
    expect(result).toEqual({
      ok: false,
      errors: { limit: "Enter at most 100,000, or leave empty for all albums." },
    });
  });

  it("rejects a malformed date", () => {
    const result = validateReportForm({ ...EMPTY_REPORT_FORM, from: "2024-13-01" });
    expect(result).toEqual({ ok: false, errors: { from: "Enter a date as YYYY-MM-DD." } });
  });

  it("round-trips parameters through the form values (Try again)", () => {
    const parameters = { genre: "Rock", minRatings: 3, limit: 10, from: "2020-01-01" };
    expect(validateReportForm(toFormValues(parameters))).toEqual({ ok: true, parameters });
  });
});

describe("mapServerFieldErrors", () => {
  it("puts the API's parameters.* errors on the form's fields", () => {
    expect(
      mapServerFieldErrors([
        { field: "parameters.minRatings", message: "Too small: expected number to be >=1" },
        { field: "parameters.to", message: "`from` must be before `to`" },
      ]),
    ).toEqual({ minRatings: "Too small: expected number to be >=1", to: "`from` must be before `to`" });
  });

  it("shows errors of other fields above the form", () => {
    expect(mapServerFieldErrors([{ field: "idempotencyKey", message: "Too big" }])).toEqual({
      form: "idempotencyKey: Too big.",
    });
  });

  it("is empty without field errors", () => {
    expect(mapServerFieldErrors(null)).toEqual({});
  });
});
