// What the apps use; everything else stays inside the package. The tRPC router, its type
// and the context are in ./trpc; the worker's scheduler step is in ./scheduler.
export {
  ACCEPTED_JWT_ALGORITHMS,
  type AuthConfig,
  type AuthUser,
  type AuthVerifier,
  createAuthVerifier,
  DEVELOPMENT_TOKEN_TTL,
  signDevelopmentToken,
} from "./auth.ts";
export { createDownloadUrlSigner, type DownloadUrlSigner } from "./download-url.ts";
export { AppError, dataExceptionSqlState, parseInput, toAppError, toProblem } from "./errors.ts";
export { cancelReportAsOperator, redriveDeadLetter, retryReport } from "./services/admin/actions.ts";
export { createQueueCountsReader, type QueueCountsReader } from "./services/admin/broker.ts";
export { getDeadLetter, listDeadLetters } from "./services/admin/dead-letters.ts";
export { getHistory } from "./services/admin/history.ts";
export { getPipelineSnapshot } from "./services/admin/pipeline.ts";
export { getReportStory, searchReports } from "./services/admin/reports.ts";
export {
  createReportLimiter,
  type ReportLimiter,
  type ReportLimitsConfig,
} from "./services/report-limits.ts";
export { getReport, listReports, REPORT_POLL_AFTER_SECONDS, requestReport } from "./services/reports.ts";
export {
  createSchedule,
  DEFAULT_SCHEDULES_MAX_PER_USER,
  deleteSchedule,
  getSchedule,
  listSchedules,
  pauseSchedule,
  resumeSchedule,
  updateSchedule,
} from "./services/schedules.ts";
export { isValidTraceparent, resolveTraceparent } from "./traceparent.ts";
