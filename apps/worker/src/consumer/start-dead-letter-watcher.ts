import type { ServiceBusClient, ServiceBusReceivedMessage } from "@azure/service-bus";
import { type TReportFailure, ZDeadLetterReason } from "@reports/contracts";
import { type Closable, idempotentClose, type Logger, sleep } from "@reports/runtime";
import { getReportMetrics } from "@reports/telemetry";
import type pg from "pg";
import { z } from "zod";
import { recordStoryEvent, traceIdOf } from "../story/record-delivery.ts";
import { decodeMessageBody } from "./parse-report-message.ts";
import { logReceiveError } from "./receive-error.ts";
import { failReport } from "./report-store.ts";

const ZReportId = z.uuid();

/**
 * The report a dead-lettered message is about: its correlation id (the relay sets it to the
 * report id), or else the body's `reportId`, even when the rest of the body is invalid.
 */
function findReportId(message: ServiceBusReceivedMessage): string | undefined {
  const decoded = decodeMessageBody(message.body);
  const candidates = [message.correlationId, decoded.ok ? decoded.value.reportId : undefined];
  for (const candidate of candidates) {
    const parsed = ZReportId.safeParse(candidate);
    if (parsed.success) return parsed.data;
  }
  return undefined;
}

/** What the report's owner is told about a dead-lettered request (the detail is for operators). */
export function failureOfDeadLetter(deadLetterReason: string | undefined): TReportFailure {
  const reason = ZDeadLetterReason.safeParse(deadLetterReason);
  switch (reason.success ? reason.data : undefined) {
    case "ExportFailed":
      return "exportFailed";
    case "MaxDeliveryCountExceeded":
      return "interrupted";
    case "TTLExpiredException":
      return "expired";
    default:
      return "unprocessable";
  }
}

/** What went wrong, for operators (error_detail): the reason Service Bus (or a worker) gave, in words. */
export function describeDeadLetter(
  message: Pick<ServiceBusReceivedMessage, "deadLetterReason" | "deadLetterErrorDescription">,
): string {
  const raw = message.deadLetterReason ?? "unknown reason";
  const reason = ZDeadLetterReason.safeParse(raw);
  switch (reason.success ? reason.data : undefined) {
    case "MaxDeliveryCountExceeded":
      return "The export was attempted the maximum number of times without finishing (MaxDeliveryCountExceeded).";
    case "TTLExpiredException":
      return "The export request expired in the queue before a worker could process it (TTLExpiredException).";
    default: {
      // The worker's own reasons come with a description of what went wrong.
      const description = message.deadLetterErrorDescription;
      return description ? `${description} (${raw})` : `The export request was dead-lettered (${raw}).`;
    }
  }
}

// Once per dead-letter queue sequence number: a redelivery of the same dead letter (a
// completion lost on its way back) is not recorded twice.
const RECORD_SQL = `
INSERT INTO dead_letters (id, queue, sequence_number, message_id, correlation_id, report_id, reason,
                          description, subject, body, application_properties, delivery_count, enqueued_at)
VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10::jsonb, $11, $12)
ON CONFLICT (queue, sequence_number) DO NOTHING
RETURNING id`;

/** Application properties as JSON: AMQP types (Long, Date, Buffer) become what JSON can hold. */
function propertiesAsJson(properties: Record<string, unknown> | undefined): string {
  return JSON.stringify(properties ?? {}, (_key, value: unknown) =>
    typeof value === "bigint" ? value.toString() : value,
  );
}

/** The body as JSON: the decoded value, or the raw text as a JSON string when it is not JSON. */
function bodyAsJson(body: unknown): string {
  const decoded = decodeMessageBody(body);
  if (decoded.ok) return JSON.stringify(decoded.value);
  if (Buffer.isBuffer(body)) return JSON.stringify(body.toString("utf8"));
  return JSON.stringify(typeof body === "string" ? body : String(body));
}

/**
 * Keeps the whole dead-lettered message (dead_letters) with a line in its report's story, so
 * an operator can inspect it and re-drive it from the console after the watcher has
 * completed it here. Both in one transaction with marking the report Failed.
 */
async function recordDeadLetter(
  pool: pg.Pool,
  queue: string,
  message: ServiceBusReceivedMessage,
  reportId: string | undefined,
): Promise<boolean> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const recorded = await client.query<{ id: string }>(RECORD_SQL, [
      queue,
      String(message.sequenceNumber ?? 0),
      message.messageId === undefined ? null : String(message.messageId),
      message.correlationId === undefined ? null : String(message.correlationId),
      reportId ?? null,
      message.deadLetterReason ?? null,
      message.deadLetterErrorDescription ?? null,
      message.subject ?? null,
      bodyAsJson(message.body),
      propertiesAsJson(message.applicationProperties),
      message.deliveryCount ?? null,
      message.enqueuedTimeUtc ?? null,
    ]);
    const deadLetterId = recorded.rows[0]?.id;
    if (reportId && deadLetterId) {
      await recordStoryEvent(client, {
        reportId,
        event: "dead-lettered",
        detail: {
          deadLetterId,
          reason: message.deadLetterReason,
          description: message.deadLetterErrorDescription,
          deliveryCount: message.deliveryCount,
        },
        traceId: traceIdOf(message),
      });
    }
    const failed = reportId
      ? await failReport(client, reportId, {
          failure: failureOfDeadLetter(message.deadLetterReason),
          detail: describeDeadLetter(message),
        })
      : false;
    await client.query("COMMIT");
    return failed;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

/**
 * Receives from `<queue>/$DeadLetterQueue`, records each message whole (dead_letters, for
 * the operator console) and marks any report that is still Pending or
 * Processing as Failed with the dead-letter reason. This covers what no worker could
 * record itself: MaxDeliveryCountExceeded after a worker died on the last delivery, TTL
 * expiry, and a failure to write Failed on the last attempt. Reports already final are
 * left alone (the guarded update is a no-op). Every outcome is logged, then the message is
 * completed so the watcher does not see it again.
 */
export function startDeadLetterWatcher(options: {
  serviceBus: ServiceBusClient;
  queue: string;
  pool: pg.Pool;
  log: Logger;
  retryDelayMs?: number;
}): Closable {
  const { serviceBus, queue, pool, log } = options;
  const receiver = serviceBus.createReceiver(queue, { subQueueType: "deadLetter", receiveMode: "peekLock" });
  const abort = new AbortController();
  const subscription = receiver.subscribe(
    {
      processMessage: async (message) => {
        const reportId = findReportId(message);
        const messageLog = log.child({
          messageId: message.messageId,
          reportId,
          deadLetterReason: message.deadLetterReason,
          deadLetterErrorDescription: message.deadLetterErrorDescription,
        });
        try {
          const failed = await recordDeadLetter(pool, queue, message, reportId);
          getReportMetrics().failures.add(1, { reason: message.deadLetterReason ?? "unknown" });
          messageLog.warn({ reportMarkedFailed: failed }, "dead-lettered export request");
          await receiver.completeMessage(message);
        } catch (err) {
          messageLog.error({ err }, "could not record a dead-lettered message; retrying later");
          await sleep(options.retryDelayMs ?? 5_000, abort.signal);
          await receiver.abandonMessage(message).catch(() => {});
        }
      },
      processError: async (args) => {
        const stopping = abort.signal.aborted;
        logReceiveError(log, args, { queue, stopping, message: "service bus dead-letter receive error" });
      },
    },
    { autoCompleteMessages: false, maxConcurrentCalls: 1 },
  );
  return {
    close: idempotentClose(async (deadline) => {
      abort.abort();
      // Stopping the subscription may hang while the broker is unreachable: it must not eat
      // the time the rest of the shutdown needs.
      await deadline.drainUntil().settle(subscription.close());
      await deadline.settle(
        receiver
          .close()
          .catch((err: unknown) => log.warn({ err }, "could not close the dead-letter receiver")),
      );
    }),
  };
}
