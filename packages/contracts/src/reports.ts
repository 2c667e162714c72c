import { z } from "zod";
import { ZReportStatus } from "./report-lifecycle.ts";

/** Calendar date, YYYY-MM-DD (ISO 8601). */
const ZIsoDate = z.iso.date();

/** Report kinds the product can export. */
export const ZReportKind = z.enum(["popularity"]);
export type TReportKind = z.infer<typeof ZReportKind>;

export const DEFAULT_MIN_RATINGS = 10;

/** Parameters of the popularity report; all optional (docs/popularity-report.md). */
export const ZPopularityReportParameters = z
  .object({
    from: ZIsoDate.optional().describe("Start of the rated_at window (inclusive), YYYY-MM-DD."),
    to: ZIsoDate.optional().describe("End of the rated_at window (exclusive), YYYY-MM-DD."),
    genre: z
      .string()
      .trim()
      .min(1)
      .max(64)
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

/** Input of requestReport (tRPC) – REST takes `parameters` as the body and the key as a header. */
export const ZRequestReportInput = z.object({
  kind: z.literal("popularity"),
  parameters: ZPopularityReportParameters.default({ minRatings: DEFAULT_MIN_RATINGS }),
  idempotencyKey: z.string().trim().min(1).max(255).optional(),
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
  })
  .meta({ id: "Report" });
export type TReport = z.infer<typeof ZReport>;

export const ZGetReportInput = z.object({ reportId: z.uuid() });
export type TGetReportInput = z.infer<typeof ZGetReportInput>;

/** GET /reports query: newest first, keyset cursor. */
export const ZListReportsInput = z.object({
  cursor: z.string().min(1).max(200).optional(),
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
