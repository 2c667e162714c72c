export {
  ACCEPTED_JWT_ALGORITHMS,
  type AuthConfig,
  type AuthUser,
  type AuthVerifier,
  createAuthVerifier,
  DEVELOPMENT_AUDIENCE,
  DEVELOPMENT_ISSUER,
  DEVELOPMENT_TOKEN_TTL,
  extractBearerToken,
  signDevelopmentToken,
} from "./auth.ts";
export {
  createDownloadUrlSigner,
  type DownloadUrlRequest,
  type DownloadUrlSigner,
  type DownloadUrlSignerOptions,
} from "./download-url.ts";
export {
  AppError,
  type AppErrorOptions,
  fieldErrorsFromZod,
  isAppError,
  isDatabaseUnavailable,
  parseInput,
  problemType,
  toAppError,
  toProblem,
  validationError,
} from "./errors.ts";
export { type ListGenresArgs, listGenres } from "./services/catalogue.ts";
export { parseCsvRecords } from "./services/csv-records.ts";
export {
  type GetReportPreviewArgs,
  getReportPreview,
  REPORT_PREVIEW_ROWS,
  toPreviewRow,
} from "./services/report-preview.ts";
export {
  decodeReportCursor,
  encodeReportCursor,
  type GetReportArgs,
  getReport,
  type ListReportsArgs,
  listReports,
  REPORT_POLL_AFTER_SECONDS,
  REPORT_SELECT,
  type ReportRow,
  type RequestReportArgs,
  type RequestReportResult,
  requestReport,
  toReportResource,
} from "./services/reports.ts";
export { createTraceparent, isValidTraceparent, resolveTraceparent } from "./traceparent.ts";
