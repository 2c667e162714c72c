import {
  BLOB_ENV_FIELDS,
  DATABASE_AUTH_ENV_FIELDS,
  refineBlobEnv,
  refineServiceBusEnv,
  SERVICE_BUS_ENV_FIELDS,
} from "@reports/azure";
import { DEFAULT_FILE_RETENTION_DAYS, REPORT_REQUESTS_QUEUE_SETTINGS } from "@reports/contracts";
import {
  ALWAYS_REFINE,
  BASE_ENV_FIELDS,
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
  parseConfig,
  zPositiveInt,
  zPostgresUrl,
} from "@reports/runtime";
import { TELEMETRY_ENV_FIELDS } from "@reports/telemetry";
import { z } from "zod";

/** The worker's whole configuration; nothing else in the worker reads `process.env`. */
export const ZWorkerEnv = z
  .object({
    ...BASE_ENV_FIELDS,
    DATABASE_URL: zPostgresUrl,
    ...DATABASE_AUTH_ENV_FIELDS,
    ...SERVICE_BUS_ENV_FIELDS,
    ...BLOB_ENV_FIELDS,
    ...TELEMETRY_ENV_FIELDS,
    /** What this build is, as the operator console's worker list shows it (e.g. the image tag). */
    APP_VERSION: z.string().trim().min(1).max(200).default("development"),
    /** Exports processed at once by this instance (Service Bus maxConcurrentCalls). */
    WORKER_CONCURRENCY: zPositiveInt.max(64).default(2),
    /**
     * One user's exports running at once across every worker instance; a further one is set
     * aside and offered again later, so one user's backlog does not hold others back.
     */
    WORKER_MAX_EXPORTS_PER_USER: zPositiveInt.max(1_000).default(1),
    /** How long an export set aside for fairness waits before it is offered again. */
    WORKER_FAIRNESS_DEFER_MS: zPositiveInt.max(600_000).default(2_000),
    /** Outbox rows claimed and sent per relay round trip. */
    RELAY_BATCH_SIZE: zPositiveInt.max(1_000).default(50),
    /** Polling fallback when no NOTIFY arrives. */
    RELAY_POLL_INTERVAL_MS: zPositiveInt.default(2_000),
    /**
     * How long a relay owns the rows it claimed. Longer than one send can take (the SDK's
     * retries included); when it runs out another relay may send the rows again, which the
     * queue's duplicate detection then drops.
     */
    RELAY_LEASE_MS: zPositiveInt.default(60_000),
    /** Deliveries of one export message before it is given up; must equal the queue's maxDeliveryCount. */
    EXPORT_MAX_DELIVERIES: zPositiveInt.max(100).default(REPORT_REQUESTS_QUEUE_SETTINGS.maxDeliveryCount),
    /** First delay before a failed export is abandoned for redelivery; doubles per delivery. */
    EXPORT_RETRY_BASE_MS: zPositiveInt.default(2_000),
    /** Upper bound of that delay (the message lock is renewed while waiting). */
    EXPORT_RETRY_MAX_MS: zPositiveInt.default(60_000),
    /** How long the SDK keeps renewing a message lock: must cover the longest export. */
    EXPORT_LOCK_RENEWAL_MS: zPositiveInt.default(30 * 60_000),
    /** Scheduler: the longest sleep between rounds (it wakes earlier when a schedule is due sooner). */
    SCHEDULER_POLL_INTERVAL_MS: zPositiveInt.default(10_000),
    /** Scheduler: due schedules fired per round, one short transaction each. */
    SCHEDULER_BATCH_SIZE: zPositiveInt.max(1_000).default(20),
    /**
     * Days a report file is kept: then its reports become Expired and the file is deleted. The
     * storage lifecycle rule (main.bicep's reportRetentionDays) deletes a day later as a backstop.
     */
    FILE_RETENTION_DAYS: zPositiveInt.max(36_500).default(DEFAULT_FILE_RETENTION_DAYS),
    /** Time between two rounds of the retention loop. */
    RETENTION_INTERVAL_MS: zPositiveInt.default(15 * 60_000),
    /** Files expired (and deleted) per step of a retention round. */
    RETENTION_BATCH_SIZE: zPositiveInt.max(10_000).default(100),
    /**
     * The whole budget of a graceful stop, measured from the first SIGTERM: in-flight exports
     * may finish until its last seconds, then are aborted and their messages abandoned.
     */
    SHUTDOWN_TIMEOUT_MS: zPositiveInt.default(DEFAULT_SHUTDOWN_TIMEOUT_MS),
  })
  // Both refinements only test optional string fields for presence: safe on a partial value.
  .superRefine(refineServiceBusEnv, ALWAYS_REFINE)
  .superRefine(refineBlobEnv, ALWAYS_REFINE);
export type TWorkerEnv = z.infer<typeof ZWorkerEnv>;

/** Validates the environment once at start; throws ConfigError naming every bad variable. */
export function loadWorkerConfig(env: Record<string, string | undefined> = process.env): TWorkerEnv {
  return parseConfig(ZWorkerEnv, env);
}
