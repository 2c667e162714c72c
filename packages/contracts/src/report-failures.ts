/**
 * What a Failed report tells its owner, by what went wrong (the report's `error`). Written
 * for the user: what happened and what to do. The underlying driver or SDK message goes to
 * the logs and the report's `error_detail`, for operators, never to the API.
 */
export const REPORT_FAILURE_REASONS = {
  /** The export itself failed on every delivery (a database or Blob Storage error). */
  exportFailed:
    "The report could not be generated. Try again; if it fails again, ask an operator to look up this report's id.",
  /** Workers kept stopping before the export finished (crashed, lost their lock). */
  interrupted:
    "The report could not be generated: its export kept stopping before it finished. Try again, perhaps with a narrower window or genre.",
  /** No worker took the request before it expired. */
  expired: "The report waited too long for a worker and was given up. Try again.",
  /** The request could not be processed at all (an invalid or unknown message). */
  unprocessable:
    "The report request could not be processed. Try again; if it fails again, ask an operator to look up this report's id.",
} as const;
export type TReportFailure = keyof typeof REPORT_FAILURE_REASONS;
