import {
  DEFAULT_MIN_RATINGS,
  type TFieldError,
  type TPopularityReportParameters,
  ZPopularityReportParameters,
} from "@reports/contracts";
import type { z } from "zod";

/** The generate form's fields, as the inputs hold them (strings; "" = not set). */
export interface ReportFormValues {
  from: string;
  to: string;
  genre: string;
  minRatings: string;
  limit: string;
}

export type ReportFormField = keyof ReportFormValues;
export type ReportFormErrors = Partial<Record<ReportFormField | "form", string>>;

export const REPORT_FORM_FIELDS: readonly ReportFormField[] = ["from", "to", "genre", "minRatings", "limit"];

export const EMPTY_REPORT_FORM: ReportFormValues = {
  from: "",
  to: "",
  genre: "",
  minRatings: String(DEFAULT_MIN_RATINGS),
  limit: "",
};

/**
 * A whole-number field's value: undefined when empty. A number input holding "abc" reports ""
 * in browsers, but typed or pasted values can still be "1.5" or "1e3": what is not a plain
 * integer stays NaN so the contract rejects it.
 */
export function toInteger(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === "") return undefined;
  return /^-?\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
}

/** The form's values as the contract's input: unset fields are left out. */
export function toParametersInput(values: ReportFormValues): z.input<typeof ZPopularityReportParameters> {
  const input: Record<string, unknown> = {};
  if (values.from.trim()) input.from = values.from.trim();
  if (values.to.trim()) input.to = values.to.trim();
  if (values.genre.trim()) input.genre = values.genre.trim();
  const minRatings = toInteger(values.minRatings);
  if (minRatings !== undefined) input.minRatings = minRatings;
  const limit = toInteger(values.limit);
  if (limit !== undefined) input.limit = limit;
  return input as z.input<typeof ZPopularityReportParameters>;
}

/** The contract's parameters back as form values (for "Try again" and tests). */
export function toFormValues(parameters: Partial<TPopularityReportParameters>): ReportFormValues {
  return {
    from: parameters.from ?? "",
    to: parameters.to ?? "",
    genre: parameters.genre ?? "",
    minRatings: String(parameters.minRatings ?? DEFAULT_MIN_RATINGS),
    limit: parameters.limit === undefined ? "" : String(parameters.limit),
  };
}

function isFormField(field: string): field is ReportFormField {
  return (REPORT_FORM_FIELDS as readonly string[]).includes(field);
}

// Words a person can act on, per field; the contract's own message is the fallback.
function friendlyMessage(field: ReportFormField, issue: z.core.$ZodIssue): string {
  switch (field) {
    case "from":
    case "to":
      if (issue.code === "custom") return "The end date must be after the start date.";
      return "Enter a date as YYYY-MM-DD.";
    case "genre":
      return "Choose a genre from the list, or All genres.";
    case "minRatings":
      if (issue.code === "too_big") return "Enter at most 1,000,000.";
      return "Enter a whole number of at least 1.";
    case "limit":
      if (issue.code === "too_big") return "Enter at most 100,000, or leave empty for all albums.";
      return "Enter a whole number of at least 1, or leave empty for all albums.";
  }
}

export type ValidationResult =
  | { ok: true; parameters: TPopularityReportParameters }
  | { ok: false; errors: ReportFormErrors };

/** Validates the form with the same zod contract the API uses; one message per field. */
export function validateReportForm(values: ReportFormValues): ValidationResult {
  const result = ZPopularityReportParameters.safeParse(toParametersInput(values));
  if (result.success) return { ok: true, parameters: result.data };
  const errors: ReportFormErrors = {};
  for (const issue of result.error.issues) {
    const field = String(issue.path[0] ?? "");
    if (isFormField(field)) errors[field] ??= friendlyMessage(field, issue);
    else errors.form ??= issue.message;
  }
  // zod runs the object's from/to refinement only once every field is valid; check the
  // order here too so all problems show at once rather than one after another.
  const { from, to } = values;
  if (!errors.from && !errors.to && from && to && from >= to) {
    errors.to = "The end date must be after the start date.";
  }
  return { ok: false, errors };
}

/**
 * The server's field errors (`parameters.minRatings`, ...) on the form's fields; anything
 * that is not a form field is shown above the form.
 */
export function mapServerFieldErrors(
  fieldErrors: readonly TFieldError[] | null | undefined,
): ReportFormErrors {
  const errors: ReportFormErrors = {};
  for (const { field, message } of fieldErrors ?? []) {
    const name = field.replace(/^parameters\./, "");
    if (isFormField(name)) errors[name] ??= message;
    else errors.form = errors.form ? `${errors.form} ${field}: ${message}.` : `${field}: ${message}.`;
  }
  return errors;
}
