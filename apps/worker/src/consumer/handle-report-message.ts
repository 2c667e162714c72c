import type { ServiceBusReceivedMessage, ServiceBusReceiver } from "@azure/service-bus";
import type { ContainerClient } from "@azure/storage-blob";
import { isFinalReportStatus, type TWorkerDeadLetterReason } from "@reports/contracts";
import type { Logger } from "@reports/runtime";
import { computeBackoffMs, sleep } from "@reports/runtime";
import { getReportMetrics, startSpan, withSpan } from "@reports/telemetry";
import type pg from "pg";
import { describeError } from "../describe-error.ts";
import { exportPopularityReport } from "../export/export-popularity-report.ts";
import { parseReportMessage } from "./parse-report-message.ts";
import { acquireReportLock, type ReportLock } from "./report-lock.ts";
import {
  claimReport,
  completeReport,
  failReport,
  getReportStatus,
  recordExpectedRows,
  recordProgress,
} from "./report-store.ts";
import { deferExport, tryAcquireUserExportSlot, type UserExportSlot } from "./user-export-slots.ts";

export interface ConsumerContext {
  pool: pg.Pool;
  container: ContainerClient;
  log: Logger;
  /** The queue's maxDeliveryCount: the delivery numbered this is the last one. */
  maxDeliveries: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** How often a delivery waiting for another delivery of the same report checks again. */
  lockPollMs?: number;
  /** One user's exports running at once, across every worker instance; more wait their turn. */
  maxExportsPerUser: number;
  /** How long an export that must wait its turn is set aside before it is offered again. */
  fairnessDeferMs: number;
  fetchSize?: number;
}

type Receiver = Pick<ServiceBusReceiver, "completeMessage" | "abandonMessage" | "deadLetterMessage">;

/** What to do with the message once the report's lock is released. */
type Settlement =
  | { kind: "complete" }
  | { kind: "abandon"; delayMs: number }
  | { kind: "dead-letter"; reason: TWorkerDeadLetterReason; description: string };

/**
 * Handles one delivery of a report message, end to end, and always settles it (or leaves
 * it to lock expiry when settling itself fails). Never throws: the SDK would otherwise
 * abandon the message at once, without the backoff.
 */
export async function handleReportMessage(
  ctx: ConsumerContext,
  receiver: Receiver,
  message: ServiceBusReceivedMessage,
  signal: AbortSignal,
): Promise<void> {
  const deliveryCount = message.deliveryCount ?? 0;
  const log = ctx.log.child({
    messageId: message.messageId,
    correlationId: message.correlationId,
    deliveryCount,
  });
  let settlement: Settlement;
  try {
    settlement = await runDelivery(ctx, message, deliveryCount, log, signal);
  } catch (err) {
    // Only reachable when even recording the failure failed; the lock expiry will
    // redeliver the message.
    log.error({ err }, "could not handle the message; leaving it to be redelivered");
    return;
  }
  try {
    switch (settlement.kind) {
      case "complete":
        await receiver.completeMessage(message);
        break;
      case "dead-letter":
        await receiver.deadLetterMessage(message, {
          deadLetterReason: settlement.reason,
          deadLetterErrorDescription: settlement.description,
        });
        log.warn({ reason: settlement.reason, description: settlement.description }, "message dead-lettered");
        break;
      case "abandon":
        if (settlement.delayMs > 0) await sleep(settlement.delayMs, signal);
        await receiver.abandonMessage(message);
        break;
    }
  } catch (err) {
    // Typically MessageLockLost: the message comes back and, the report being final or
    // still retryable, the next delivery does the right thing.
    log.warn({ err, settlement: settlement.kind }, "could not settle the message");
  }
}

async function runDelivery(
  ctx: ConsumerContext,
  message: ServiceBusReceivedMessage,
  deliveryCount: number,
  log: Logger,
  signal: AbortSignal,
): Promise<Settlement> {
  const parsed = parseReportMessage(message.body);
  if (!parsed.ok) return { kind: "dead-letter", reason: parsed.reason, description: parsed.description };
  const { reportId, parameters, ownerId } = parsed.message;
  const reportLog = log.child({ reportId });

  const started = Date.now();
  let lock: ReportLock | undefined;
  let slot: UserExportSlot | undefined;
  try {
    lock = await acquireReportLock(ctx.pool, reportId, {
      signal,
      ...(ctx.lockPollMs === undefined ? {} : { pollMs: ctx.lockPollMs }),
      onWait: () => reportLog.info("another delivery of this report is running; waiting for it"),
    });
    if (!lock) return { kind: "abandon", delayMs: 0 };
    const status = await getReportStatus(lock.client, reportId);
    if (!status) {
      return { kind: "dead-letter", reason: "UnknownReport", description: `no report with id ${reportId}` };
    }
    if (isFinalReportStatus(status)) {
      reportLog.info({ status }, "report already final; completing the message");
      return { kind: "complete" };
    }
    // Fairness: while this user has maxExportsPerUser exports running anywhere, this one waits
    // its turn at the back of the queue, and other users' exports go first.
    slot = await tryAcquireUserExportSlot(lock.client, ownerId, ctx.maxExportsPerUser);
    if (!slot) {
      const traceparent = message.applicationProperties?.traceparent;
      await deferExport(ctx.pool, parsed.message, {
        delayMs: ctx.fairnessDeferMs,
        traceparent: typeof traceparent === "string" ? traceparent : undefined,
      });
      reportLog.info(
        { ownerId, maxExportsPerUser: ctx.maxExportsPerUser, retryInMs: ctx.fairnessDeferMs },
        "the user's export slots are all busy; offered again later",
      );
      return { kind: "complete" };
    }
    if (!(await claimReport(lock.client, reportId))) return { kind: "complete" };
    reportLog.info({ parameters }, "export started");

    const result = await withSpan(
      "report.export",
      { attributes: { "report.id": reportId } },
      async (span) => {
        // The aggregation runs until its first rows (and their count) are known; then they
        // stream into the blob: two phases of one pipeline, as two child spans.
        const aggregation = startSpan("popularity.aggregate", { attributes: { "report.id": reportId } });
        let upload: ReturnType<typeof startSpan>;
        try {
          const exported = await exportPopularityReport({
            pool: ctx.pool,
            container: ctx.container,
            reportId,
            parameters,
            signal,
            ...(ctx.fetchSize === undefined ? {} : { fetchSize: ctx.fetchSize }),
            onExpectedRows: (expectedRows) => {
              aggregation?.setAttribute("report.expected_rows", expectedRows);
              aggregation?.end();
              upload = startSpan("blob.upload", { attributes: { "report.id": reportId } });
              return recordExpectedRows(ctx.pool, reportId, expectedRows);
            },
            onProgress: (rowsWritten) => recordProgress(ctx.pool, reportId, rowsWritten),
          });
          upload?.setAttribute("blob.name", exported.blobName);
          upload?.setAttribute("blob.size", exported.sizeBytes);
          span?.setAttribute("report.rows", exported.rowCount);
          getReportMetrics().exportDuration.record(Date.now() - started, { kind: "popularity" });
          getReportMetrics().exportRows.record(exported.rowCount, { kind: "popularity" });
          return exported;
        } finally {
          if (aggregation?.isRecording()) aggregation.end();
          upload?.end();
        }
      },
    );
    // Written through the lock's own connection: if that session died, the lock is gone
    // and so is the right to complete; the statement fails and the delivery is retried.
    if (!(await completeReport(lock.client, reportId, result))) {
      reportLog.warn("report was no longer Processing; result not recorded");
    } else {
      reportLog.info({ ...result, durationMs: Date.now() - started }, "export completed");
    }
    return { kind: "complete" };
  } catch (err) {
    if (signal.aborted) {
      reportLog.info("export interrupted by shutdown; abandoning the message for another worker");
      return { kind: "abandon", delayMs: 0 };
    }
    const reason = describeError(err);
    getReportMetrics().failures.add(1, {
      reason: deliveryCount + 1 >= ctx.maxDeliveries ? "ExportFailed" : "retried",
    });
    if (deliveryCount + 1 >= ctx.maxDeliveries) {
      // The owner is told the export failed; the error itself goes to the log and to
      // error_detail, for operators (the report id ties them together).
      const detail = `The export failed ${deliveryCount + 1} times; last error: ${reason}`;
      reportLog.error({ err, deliveries: deliveryCount + 1 }, "export failed on its last delivery");
      // If even this write fails, dead-letter anyway: the dead-letter watcher records it.
      await failReport(ctx.pool, reportId, { failure: "exportFailed", detail }).catch((writeErr: unknown) =>
        reportLog.error({ err: writeErr }, "could not mark the report Failed"),
      );
      return { kind: "dead-letter", reason: "ExportFailed", description: detail.slice(0, 1_000) };
    }
    // Abandon after a growing delay (the message lock is renewed meanwhile) so retries are
    // spaced out; scheduling a copy instead would change the message id and lose the
    // queue's delivery count, which is what bounds the retries.
    const delayMs = computeBackoffMs(deliveryCount + 1, { baseMs: ctx.retryBaseMs, maxMs: ctx.retryMaxMs });
    reportLog.warn({ err, retryInMs: delayMs }, "export failed; will retry");
    return { kind: "abandon", delayMs };
  } finally {
    // A broken connection has lost both locks anyway; the report lock's release destroys it.
    await slot?.release().catch(() => {});
    await lock?.release();
  }
}
