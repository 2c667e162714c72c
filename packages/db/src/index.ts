export { type CreateDbOptions, createDb, type Db } from "./client.ts";
export type {
  AdminAction,
  Album,
  Artist,
  DeadLetter,
  OutboxMessage,
  Rating,
  Report,
  ReportStoryEvent,
  WorkerHeartbeat,
} from "./generated/prisma/client.ts";
export { Prisma, PrismaClient } from "./generated/prisma/client.ts";
export { ReportKind, ReportStatus } from "./generated/prisma/enums.ts";
export { assertDatabaseReachable, describeDatabaseUrl } from "./reachability.ts";

/**
 * LISTEN/NOTIFY channel the accepting transaction notifies after inserting an outbox row,
 * so a relay wakes at once instead of waiting for its next poll.
 */
export const OUTBOX_NOTIFY_CHANNEL = "outbox_messages";

/**
 * LISTEN/NOTIFY channel on which a trigger announces every insert and update of a report,
 * with a small JSON payload (ZReportEventNotification in @reports/contracts).
 */
export const REPORT_EVENTS_CHANNEL = "report_events";
