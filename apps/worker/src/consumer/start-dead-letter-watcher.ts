import type { ServiceBusClient, ServiceBusReceivedMessage } from "@azure/service-bus";
import { type TReportFailure, ZDeadLetterReason } from "@reports/contracts";
import { type Closable, idempotentClose, type Logger, sleep } from "@reports/runtime";
import type pg from "pg";
import { z } from "zod";
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

/**
 * Receives from `<queue>/$DeadLetterQueue` and marks any report that is still Pending or
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
          const failed = reportId
            ? await failReport(pool, reportId, {
                failure: failureOfDeadLetter(message.deadLetterReason),
                detail: describeDeadLetter(message),
              })
            : false;
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
