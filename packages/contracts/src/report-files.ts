import type { TReportKind } from "./reports.ts";

/**
 * How one kind of report is stored and downloaded: the worker writes the file with it, the
 * API reads the file back (the dashboard preview) and names the download with it.
 */
export interface ReportFileFormat<Column extends string = string> {
  /** The header record: column names in file order. Readers find a column by its name. */
  columns: readonly Column[];
  /** Content-Type of the blob and of its download. */
  contentType: string;
  /**
   * Blob name inside the reports container. Deterministic per report, so a retried export
   * overwrites the same blob instead of adding one.
   */
  blobName(reportId: string): string;
  /** The name a browser saves the download as. */
  fileName(reportId: string): string;
}

/** RFC 4180 CSV, UTF-8; records end with CRLF. */
export const CSV_CONTENT_TYPE = "text/csv; charset=utf-8";

/**
 * Columns of the popularity report, in file order (docs/popularity-report.md says what each
 * holds and how the score is computed).
 */
export const POPULARITY_COLUMNS = [
  "rank",
  "album_id",
  "title",
  "artist",
  "release_year",
  "genre",
  "ratings_count",
  "average_rating",
  "score",
] as const;
export type TPopularityColumn = (typeof POPULARITY_COLUMNS)[number];

/** The popularity report's CSV file. */
export const POPULARITY_FILE: ReportFileFormat<TPopularityColumn> = {
  columns: POPULARITY_COLUMNS,
  contentType: CSV_CONTENT_TYPE,
  blobName: (reportId) => `popularity/${reportId}.csv`,
  fileName: (reportId) => `popularity-report-${reportId.slice(0, 8)}.csv`,
};

/** The file format of every report kind. */
export const REPORT_FILES: { readonly [K in TReportKind]: ReportFileFormat } = {
  popularity: POPULARITY_FILE,
};
