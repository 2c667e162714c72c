import type { ServiceBusClient } from "@azure/service-bus";
import { type Closable, idempotentClose } from "@reports/runtime";
import { SpanKind, withSpan } from "@reports/telemetry";
import type { RunningDeliveries } from "../heartbeat/running-deliveries.ts";
import { recordStoryEvent, reportIdOf, traceIdOf } from "../story/record-delivery.ts";
import { type ConsumerContext, handleReportMessage } from "./handle-report-message.ts";
import { logReceiveError } from "./receive-error.ts";

export interface StartConsumerOptions extends ConsumerContext {
  serviceBus: ServiceBusClient;
  queue: string;
  concurrency: number;
  /** How long the SDK renews a message's lock: must cover the longest export. */
  maxLockRenewalMs: number;
  /** Who this worker is in the reports' stories, and what its heartbeat says it runs. */
  workerId?: string;
  running?: RunningDeliveries;
}

/**
 * Peek-lock receiver on the report queue with bounded concurrency and manual settlement.
 * `close(deadline)` stops receiving, lets in-flight exports finish until the deadline nears,
 * then aborts the rest (their messages are abandoned for another worker) and closes the
 * receiver.
 */
export function startConsumer(options: StartConsumerOptions): Closable {
  const { serviceBus, queue, log } = options;
  const receiver = serviceBus.createReceiver(queue, {
    receiveMode: "peekLock",
    maxAutoLockRenewalDurationInMs: options.maxLockRenewalMs,
  });
  const abort = new AbortController();
  const inFlight = new Set<Promise<void>>();
  let stopping = false;
  const subscription = receiver.subscribe(
    {
      processMessage: async (message) => {
        const reportId = reportIdOf(message);
        const key = message.lockToken ?? String(message.messageId);
        if (reportId) {
          options.running?.add(key, {
            reportId,
            messageId: message.messageId === undefined ? null : String(message.messageId),
            since: new Date().toISOString(),
          });
          // The story's "each delivery"; losing the line must not lose the delivery.
          await recordStoryEvent(options.pool, {
            reportId,
            event: "delivery",
            actor: options.workerId ?? null,
            detail: {
              messageId: message.messageId,
              deliveryCount: message.deliveryCount ?? 0,
              worker: options.workerId,
            },
            traceId: traceIdOf(message),
          }).catch((err: unknown) =>
            log.warn({ err, reportId }, "could not record the delivery in the story"),
          );
        }
        const traceparent = message.applicationProperties?.traceparent;
        // The consumer's span, in the report's trace (the message's traceparent): the
        // export's spans inside handleReportMessage are its children.
        const handling = withSpan(
          "report-requests process",
          {
            kind: SpanKind.CONSUMER,
            traceparent: typeof traceparent === "string" ? traceparent : undefined,
            attributes: {
              "messaging.system": "servicebus",
              "messaging.operation.type": "process",
              "messaging.message.id": String(message.messageId ?? ""),
              "messaging.servicebus.message.delivery_count": message.deliveryCount ?? 0,
              ...(reportId ? { "report.id": reportId } : {}),
            },
          },
          () => handleReportMessage(options, receiver, message, abort.signal),
        );
        inFlight.add(handling);
        try {
          await handling;
        } finally {
          inFlight.delete(handling);
          options.running?.delete(key);
        }
      },
      processError: async (args) => {
        logReceiveError(log, args, { queue, stopping, message: "service bus receive error" });
      },
    },
    { autoCompleteMessages: false, maxConcurrentCalls: options.concurrency },
  );

  const allInFlight = () => (inFlight.size > 0 ? Promise.allSettled([...inFlight]) : undefined);

  return {
    close: idempotentClose(async (deadline) => {
      stopping = true;
      // After the drain: abort the exports still running (their queries are cancelled),
      // abandon their messages for another worker, close the receiver and the clients.
      const drainUntil = deadline.drainUntil();
      // Stop taking messages first (credit back to zero); the link stays open so the
      // in-flight messages can still be settled on it.
      if ((await drainUntil.settle(subscription.close())) === "timed-out") {
        log.warn("stopping the subscription timed out");
      }
      await drainUntil.settle(allInFlight());
      if (inFlight.size > 0) {
        log.warn({ inFlight: inFlight.size }, "drain deadline reached: aborting in-flight exports");
        abort.abort();
        await deadline.settle(allInFlight());
      }
      await deadline.settle(
        receiver.close().catch((err: unknown) => log.warn({ err }, "could not close the receiver")),
      );
    }),
  };
}
