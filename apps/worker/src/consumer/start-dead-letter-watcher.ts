import type { ServiceBusClient, ServiceBusReceivedMessage } from "@azure/service-bus";
import { type Closable, idempotentClose, type Logger, sleep } from "@reports/runtime";
import type pg from "pg";
import { z } from "zod";
import { failReport } from "./report-store.ts";

const ZReportId = z.uuid();

function findReportId(message: ServiceBusReceivedMessage): string | undefined {
  const candidates: unknown[] = [message.correlationId];
  let body: unknown = message.body;
  try {
    if (Buffer.isBuffer(body)) body = body.toString("utf8");
    if (typeof body === "string") body = JSON.parse(body);
  } catch {
    body = undefined;
  }
  if (typeof body === "object" && body !== null) candidates.push((body as { reportId?: unknown }).reportId);
  for (const candidate of candidates) {
    const parsed = ZReportId.safeParse(candidate);
    if (parsed.success) return parsed.data;
  }
  return undefined;
}

/** The text stored on the report: the reason Service Bus (or a worker) gave, in words. */
export function describeDeadLetter(
  message: Pick<ServiceBusReceivedMessage, "deadLetterReason" | "deadLetterErrorDescription">,
) {
  const reason = message.deadLetterReason ?? "unknown reason";
  if (reason === "MaxDeliveryCountExceeded") {
    return "The export was attempted the maximum number of times without finishing (MaxDeliveryCountExceeded).";
  }
  if (reason === "TTLExpiredException") {
    return "The export request expired in the queue before a worker could process it (TTLExpiredException).";
  }
  const description = message.deadLetterErrorDescription;
  return description ? `${description} (${reason})` : `The export request was dead-lettered (${reason}).`;
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
          const failed = reportId ? await failReport(pool, reportId, describeDeadLetter(message)) : false;
          messageLog.warn({ reportMarkedFailed: failed }, "dead-lettered export request");
          await receiver.completeMessage(message);
        } catch (err) {
          messageLog.error({ err }, "could not record a dead-lettered message; retrying later");
          await sleep(options.retryDelayMs ?? 5_000, abort.signal);
          await receiver.abandonMessage(message).catch(() => {});
        }
      },
      processError: async ({ error, errorSource }) => {
        log.warn({ err: error, errorSource, queue }, "service bus dead-letter receive error");
      },
    },
    { autoCompleteMessages: false, maxConcurrentCalls: 1 },
  );
  return {
    close: idempotentClose(async (deadline) => {
      abort.abort();
      await deadline.settle(subscription.close());
      await deadline.settle(
        receiver
          .close()
          .catch((err: unknown) => log.warn({ err }, "could not close the dead-letter receiver")),
      );
    }),
  };
}
