import { z } from "zod";
import { REPORT_STATUSES, type TReportStatus, ZReportStatus } from "./report-lifecycle.ts";
import { ZReportKind } from "./reports.ts";

// The operator console's contracts (README, "Operator console"): what the admin tRPC
// procedures and the REST routes under /admin/api take and answer.

/** How often a worker refreshes its heartbeat row. */
export const WORKER_HEARTBEAT_INTERVAL_MS = 10_000;

/** A worker whose heartbeat is older than this, and that did not say it stopped, is lost. */
export const WORKER_STALE_AFTER_MS = 3 * WORKER_HEARTBEAT_INTERVAL_MS;

const ZTimestamp = z.iso.datetime();

/** The broker's own numbers for the queue (ServiceBusAdministrationClient.getQueueRuntimeProperties). */
export const ZQueueCounts = z
  .object({
    queue: z.string(),
    /** Available, locked and deferred messages. */
    activeMessageCount: z.number().int(),
    deadLetterMessageCount: z.number().int(),
    scheduledMessageCount: z.number().int(),
  })
  .meta({ id: "AdminQueueCounts" });
export type TQueueCounts = z.infer<typeof ZQueueCounts>;

/** One worker process as its heartbeat row says. */
export const ZWorkerStatus = z
  .object({
    workerId: z.string(),
    host: z.string(),
    pid: z.number().int(),
    version: z.string(),
    concurrency: z.number().int(),
    startedAt: ZTimestamp,
    lastSeenAt: ZTimestamp,
    stoppedAt: ZTimestamp.nullable(),
    /** live: reporting; stopped: said goodbye; lost: stopped reporting without a goodbye. */
    state: z.enum(["live", "stopped", "lost"]),
    running: z.array(z.object({ reportId: z.string(), messageId: z.string().nullable(), since: ZTimestamp })),
  })
  .meta({ id: "AdminWorker" });
export type TWorkerStatus = z.infer<typeof ZWorkerStatus>;

/** What is waiting, stuck, running and alive right now. */
export const ZPipelineSnapshot = z
  .object({
    at: ZTimestamp,
    outbox: z.object({
      unsent: z.number().int(),
      /** Age of the oldest unsent row: the relay's lag. */
      oldestUnsentAgeMs: z.number().int().nullable(),
      /** Unsent rows whose last send failed. */
      failing: z.number().int(),
    }),
    /** The broker's numbers, or why they could not be read. */
    broker: z.discriminatedUnion("ok", [
      z.object({ ok: z.literal(true), counts: ZQueueCounts }),
      z.object({ ok: z.literal(false), error: z.string() }),
    ]),
    deadLetters: z.object({
      recorded: z.number().int(),
      /** Recorded and not re-driven yet. */
      open: z.number().int(),
    }),
    /** Every status, counted. */
    reportsByStatus: z.object(
      Object.fromEntries(REPORT_STATUSES.map((status) => [status, z.number().int()])) as Record<
        TReportStatus,
        z.ZodNumber
      >,
    ),
    runningExports: z.array(
      z.object({
        reportId: z.uuid(),
        ownerId: z.string(),
        startedAt: ZTimestamp.nullable(),
        runningForMs: z.number().int().nullable(),
        progressRows: z.number().int(),
        expectedRows: z.number().int().nullable(),
        attempts: z.number().int(),
      }),
    ),
    workers: z.array(ZWorkerStatus),
  })
  .meta({ id: "AdminPipeline" });
export type TPipelineSnapshot = z.infer<typeof ZPipelineSnapshot>;

export const ZHistoryInput = z
  .object({
    /** How far back, in hours. */
    hours: z.coerce.number().int().min(1).max(48).default(3),
    /** Width of one bucket, in minutes. */
    bucketMinutes: z.coerce.number().int().min(1).max(60).default(1),
  })
  .strict();
export type THistoryInput = z.infer<typeof ZHistoryInput>;

/** Reports accepted, completed and failed per bucket, and export duration percentiles. */
export const ZHistory = z
  .object({
    from: ZTimestamp,
    to: ZTimestamp,
    bucketMinutes: z.number().int(),
    buckets: z.array(
      z.object({
        at: ZTimestamp,
        accepted: z.number().int(),
        completed: z.number().int(),
        failed: z.number().int(),
        cancelled: z.number().int(),
        /** Export duration (started to completed) of the reports completed in this bucket. */
        durationP50Ms: z.number().nullable(),
        durationP95Ms: z.number().nullable(),
      }),
    ),
  })
  .meta({ id: "AdminHistory" });
export type THistory = z.infer<typeof ZHistory>;

const ZStatusList = z.preprocess(
  (value) => (typeof value === "string" ? value.split(",").filter((item) => item !== "") : value),
  z.array(ZReportStatus).max(8),
);

/** Every user's reports, newest first, filtered. */
export const ZAdminSearchReportsInput = z
  .object({
    status: ZStatusList.optional(),
    /** The owner's user id, exactly. */
    ownerId: z.string().trim().min(1).max(255).optional(),
    /** Created at or after. */
    from: ZTimestamp.optional(),
    /** Created before. */
    to: ZTimestamp.optional(),
    cursor: z.string().max(512).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    /** Sent by tRPC's infinite queries; pages always go forward (newest first). */
    direction: z.enum(["forward", "backward"]).optional(),
  })
  .strict();
export type TAdminSearchReportsInput = z.infer<typeof ZAdminSearchReportsInput>;

/** A report as operators see it: whose, and the error detail users are not shown. */
export const ZAdminReport = z
  .object({
    reportId: z.uuid(),
    kind: ZReportKind,
    ownerId: z.string(),
    status: ZReportStatus,
    parameters: z.record(z.string(), z.unknown()),
    createdAt: ZTimestamp,
    updatedAt: ZTimestamp,
    startedAt: ZTimestamp.nullable(),
    completedAt: ZTimestamp.nullable(),
    attempts: z.number().int(),
    progressRows: z.number().int(),
    expectedRows: z.number().int().nullable(),
    rowCount: z.number().int().nullable(),
    sizeBytes: z.number().int().nullable(),
    blobName: z.string().nullable(),
    /** The reason the owner is shown. */
    error: z.string().nullable(),
    /** What actually went wrong (driver and SDK messages): for operators, never shown to the owner. */
    errorDetail: z.string().nullable(),
  })
  .meta({ id: "AdminReport" });
export type TAdminReport = z.infer<typeof ZAdminReport>;

export const ZAdminReportPage = z
  .object({ items: z.array(ZAdminReport), nextCursor: z.string().nullable() })
  .meta({ id: "AdminReportPage" });
export type TAdminReportPage = z.infer<typeof ZAdminReportPage>;

export const ZAdminReportIdInput = z.object({ reportId: z.uuid() }).strict();

/** One moment of a report's story. */
export const ZStoryEvent = z.object({
  at: ZTimestamp,
  /** accepted | relayed | claimed | status | planned | progress | delivery | dead-lettered | admin */
  event: z.string(),
  summary: z.string(),
  actor: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
  traceId: z.string().nullable(),
});
export type TStoryEvent = z.infer<typeof ZStoryEvent>;

/** A message the dead-letter watcher recorded off the dead-letter queue. */
export const ZDeadLetter = z
  .object({
    id: z.uuid(),
    queue: z.string(),
    sequenceNumber: z.string(),
    messageId: z.string().nullable(),
    reportId: z.uuid().nullable(),
    reason: z.string().nullable(),
    description: z.string().nullable(),
    subject: z.string().nullable(),
    body: z.unknown(),
    applicationProperties: z.record(z.string(), z.unknown()),
    deliveryCount: z.number().int().nullable(),
    enqueuedAt: ZTimestamp.nullable(),
    recordedAt: ZTimestamp,
    redrivenAt: ZTimestamp.nullable(),
    redrivenBy: z.string().nullable(),
  })
  .meta({ id: "AdminDeadLetter" });
export type TDeadLetter = z.infer<typeof ZDeadLetter>;

/** What an operator did, and when. */
export const ZAdminAction = z
  .object({
    id: z.uuid(),
    action: z.enum(["cancel", "retry", "redrive"]),
    actor: z.string(),
    at: ZTimestamp,
    reportId: z.uuid().nullable(),
    deadLetterId: z.uuid().nullable(),
    /** The report's status after the action. */
    status: ZReportStatus.nullable(),
    /** True when this answers a repeat of an earlier request (same Idempotency-Key). */
    repeated: z.boolean(),
  })
  .meta({ id: "AdminAction" });
export type TAdminAction = z.infer<typeof ZAdminAction>;

/** A report's whole story: the row, its messages, every recorded moment, its trace. */
export const ZReportStory = z
  .object({
    report: ZAdminReport,
    /** The W3C trace id the report's request started (from the outbox row's traceparent). */
    traceId: z.string().nullable(),
    outbox: z.array(
      z.object({
        id: z.uuid(),
        createdAt: ZTimestamp,
        sentAt: ZTimestamp.nullable(),
        attempts: z.number().int(),
        lastError: z.string().nullable(),
        traceparent: z.string().nullable(),
      }),
    ),
    events: z.array(ZStoryEvent),
    deadLetters: z.array(ZDeadLetter),
    actions: z.array(ZAdminAction),
  })
  .meta({ id: "AdminReportStory" });
export type TReportStory = z.infer<typeof ZReportStory>;

export const ZDeadLetterIdInput = z.object({ deadLetterId: z.uuid() }).strict();

export const ZListDeadLettersInput = z
  .object({
    /** Only those not re-driven yet. */
    open: z
      .preprocess((value) => (value === "true" ? true : value === "false" ? false : value), z.boolean())
      .optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();
export type TListDeadLettersInput = z.infer<typeof ZListDeadLettersInput>;

/** An operator action's input: the target, and an optional key making a repeat harmless. */
export const ZAdminReportActionInput = z
  .object({ reportId: z.uuid(), idempotencyKey: z.string().trim().min(1).max(255).optional() })
  .strict();
export type TAdminReportActionInput = z.infer<typeof ZAdminReportActionInput>;

export const ZAdminDeadLetterActionInput = z
  .object({ deadLetterId: z.uuid(), idempotencyKey: z.string().trim().min(1).max(255).optional() })
  .strict();
export type TAdminDeadLetterActionInput = z.infer<typeof ZAdminDeadLetterActionInput>;
