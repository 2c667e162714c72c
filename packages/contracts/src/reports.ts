import { z } from "zod";
import { ZReportStatus } from "./report-lifecycle.ts";
import { isStorableText, STORABLE_TEXT_MESSAGE } from "./text.ts";

/**
 * The dates a report window may name. `z.iso.date()` alone accepts year 0000, which no
 * PostgreSQL timestamp holds (there is no year 0): such a request used to be accepted and then
 * fail five times in the worker.
 */
export const REPORT_DATE_RANGE = { min: "1900-01-01", max: "9999-12-31" } as const;

/** Calendar date, YYYY-MM-DD (ISO 8601), within REPORT_DATE_RANGE. */
const ZReportDate = z.iso
  .date()
  .refine((date) => date >= REPORT_DATE_RANGE.min && date <= REPORT_DATE_RANGE.max, {
    message: `must be between ${REPORT_DATE_RANGE.min} and ${REPORT_DATE_RANGE.max}`,
  });

/** Report kinds the product can export. */
export const ZReportKind = z.enum(["popularity"]);
export type TReportKind = z.infer<typeof ZReportKind>;

export const DEFAULT_MIN_RATINGS = 10;

/** Parameters of the popularity report; all optional (docs/popularity-report.md). */
export const ZPopularityReportParameters = z
  .object({
    from: ZReportDate.optional().describe(
      `Start of the rated_at window (inclusive), YYYY-MM-DD, between ${REPORT_DATE_RANGE.min} and ${REPORT_DATE_RANGE.max}.`,
    ),
    to: ZReportDate.optional().describe(
      `End of the rated_at window (exclusive), YYYY-MM-DD, between ${REPORT_DATE_RANGE.min} and ${REPORT_DATE_RANGE.max}; after \`from\`.`,
    ),
    genre: z
      .string()
      .trim()
      .min(1)
      .max(64)
      .refine(isStorableText, { message: STORABLE_TEXT_MESSAGE })
      .optional()
      .describe(
        "Only albums of this genre, one of the catalogue's in any letter case (`jazz` is `Jazz`); another answers 400 naming them.",
      ),
    minRatings: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .default(DEFAULT_MIN_RATINGS)
      .describe("m: albums with fewer ratings in the window are left out; also the weight of the mean."),
    limit: z.number().int().min(1).max(100_000).optional().describe("Top N rows only."),
  })
  .strict()
  .refine((p) => p.from === undefined || p.to === undefined || p.from < p.to, {
    message: "`from` must be before `to`",
    path: ["to"],
  })
  .meta({ id: "PopularityReportParameters" });
export type TPopularityReportParameters = z.infer<typeof ZPopularityReportParameters>;
export type TPopularityReportParametersInput = z.input<typeof ZPopularityReportParameters>;

/** A client's Idempotency-Key: the same key from the same user returns the same report. */
export const ZIdempotencyKey = z
  .string()
  .trim()
  .min(1)
  .max(255)
  .refine(isStorableText, { message: STORABLE_TEXT_MESSAGE });

/** Input of requestReport (tRPC) – REST takes `parameters` as the body and the key as a header. */
export const ZRequestReportInput = z.object({
  kind: z.literal("popularity"),
  parameters: ZPopularityReportParameters.default({ minRatings: DEFAULT_MIN_RATINGS }),
  idempotencyKey: ZIdempotencyKey.optional(),
});
export type TRequestReportInput = z.infer<typeof ZRequestReportInput>;

/** Body of the 202 answer to a report request. */
export const ZReportAccepted = z
  .object({
    reportId: z.uuid(),
    status: ZReportStatus,
  })
  .meta({ id: "ReportAccepted" });
export type TReportAccepted = z.infer<typeof ZReportAccepted>;

/** Rows written so far and, once known, how many the export will write. */
export const ZReportProgress = z.object({
  rowsWritten: z.number().int().nonnegative(),
  totalRows: z.number().int().nonnegative().nullable(),
});

/** A report as callers see it (GET /reports/{reportId}). */
export const ZReport = z
  .object({
    reportId: z.uuid(),
    kind: ZReportKind,
    status: ZReportStatus,
    parameters: ZPopularityReportParameters,
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    startedAt: z.iso.datetime().optional(),
    completedAt: z.iso.datetime().optional(),
    progress: ZReportProgress.optional(),
    rowCount: z.number().int().nonnegative().optional(),
    sizeBytes: z.number().int().nonnegative().optional(),
    /** Read-only link to the file, minted per request, valid for minutes. */
    downloadUrl: z.url().optional(),
    /** Why a Failed report failed, in words a user can act on. */
    error: z.string().optional(),
    /** The schedule that created the report (absent once that schedule is deleted). */
    scheduleId: z.uuid().optional(),
    /** The occurrence of the schedule the report was created for. */
    scheduledFor: z.iso.datetime().optional(),
  })
  .meta({ id: "Report" });
export type TReport = z.infer<typeof ZReport>;

export const ZGetReportInput = z.object({ reportId: z.uuid() });
export type TGetReportInput = z.infer<typeof ZGetReportInput>;

/** GET /reports query: newest first, keyset cursor. */
export const ZListReportsInput = z.object({
  // base64url only: what the API hands out (anything else, NUL included, is refused here).
  cursor: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[A-Za-z0-9_-]+$/, "not a cursor returned by this API")
    .optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
export type TListReportsInput = z.infer<typeof ZListReportsInput>;

export const ZReportPage = z
  .object({
    items: z.array(ZReport),
    /** Pass as `cursor` to get the next page; null on the last page. */
    nextCursor: z.string().nullable(),
  })
  .meta({ id: "ReportPage" });
export type TReportPage = z.infer<typeof ZReportPage>;
