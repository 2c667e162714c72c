/**
 * Names and settings the code shares with the infrastructure, defined once. The runtime
 * configuration defaults to them (packages/azure: SERVICEBUS_QUEUE, BLOB_CONTAINER; the
 * worker: EXPORT_MAX_DELIVERIES), the local stack declares its queue with them, and the
 * consistency test (infra/test/consistency.test.ts) holds the Bicep to them.
 */

/** Service Bus queue carrying export requests from the outbox relay to the worker. */
export const REPORT_REQUESTS_QUEUE = "report-requests";

/** Blob container holding finished report files. */
export const REPORTS_CONTAINER = "reports";

/**
 * Properties of the report-requests queue, in the emulator's terms (durations in ms; the
 * defaults of infra/main.bicep are the same values in ISO 8601). Why each is what it is:
 * docs/deploy.md, "The queue settings, justified".
 */
export const REPORT_REQUESTS_QUEUE_SETTINGS = {
  /**
   * Deliveries before the broker dead-letters a message. The worker's EXPORT_MAX_DELIVERIES
   * must equal it: the delivery numbered this is the one on which it gives up and records
   * the failure itself.
   */
  maxDeliveryCount: 5,
  /**
   * The relay may send an outbox row twice (a crash between send and mark, an expired
   * lease); the message id is the row id, so the broker drops the copy.
   */
  requiresDuplicateDetection: true,
  /** Must outlast the relay's lease plus the longest broker outage after which rows are resent. */
  duplicateDetectionHistoryTimeWindowMs: 60 * 60_000,
  /**
   * The consumer renews the lock while an export runs, so this only bounds how long a
   * crashed worker keeps a message hidden (at most 5 minutes on Azure).
   */
  lockDurationMs: 5 * 60_000,
  /** A request nobody consumed within a day is dead-lettered ... */
  defaultMessageTimeToLiveMs: 24 * 60 * 60_000,
  /** ... rather than dropped, so the dead-letter watcher marks its report Failed. */
  deadLetteringOnMessageExpiration: true,
} as const;

/**
 * Days a report file is kept (the worker's FILE_RETENTION_DAYS and main.bicep's
 * reportRetentionDays default to it): the worker's retention loop then marks every report of
 * the file Expired and deletes the file.
 */
export const DEFAULT_FILE_RETENTION_DAYS = 30;

/**
 * Days the storage lifecycle rule waits beyond the retention period before it deletes a file
 * itself: a backstop for files the worker did not remove (a run that never completed, a failed
 * delete), never earlier than the worker, so no Completed report ever points at a deleted file.
 */
export const FILE_RETENTION_BACKSTOP_DAYS = 1;
