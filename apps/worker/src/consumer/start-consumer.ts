import type { ServiceBusClient } from "@azure/service-bus";
import { settleWithin } from "../settle-within.ts";
import { type ConsumerContext, handleReportMessage } from "./handle-report-message.ts";

export interface StartConsumerOptions extends ConsumerContext {
  serviceBus: ServiceBusClient;
  queue: string;
  concurrency: number;
  /** How long the SDK renews a message's lock: must cover the longest export. */
  maxLockRenewalMs: number;
}

export interface Consumer {
  /**
   * Stops receiving, waits up to `drainMs` for in-flight exports to finish, then aborts the
   * rest (their messages are abandoned for another worker) and closes the receiver.
   * Idempotent.
   */
  close(drainMs: number): Promise<void>;
}

/** Time granted to aborted exports to cancel their query and abandon their message. */
const ABORT_GRACE_MS = 3_000;

/** Peek-lock receiver on the report queue with bounded concurrency and manual settlement. */
export function startConsumer(options: StartConsumerOptions): Consumer {
  const { serviceBus, queue, log } = options;
  const receiver = serviceBus.createReceiver(queue, {
    receiveMode: "peekLock",
    maxAutoLockRenewalDurationInMs: options.maxLockRenewalMs,
  });
  const abort = new AbortController();
  const inFlight = new Set<Promise<void>>();
  const subscription = receiver.subscribe(
    {
      processMessage: async (message) => {
        const handling = handleReportMessage(options, receiver, message, abort.signal);
        inFlight.add(handling);
        try {
          await handling;
        } finally {
          inFlight.delete(handling);
        }
      },
      processError: async ({ error, errorSource }) => {
        // The SDK reconnects by itself; this is reported every retryDelayInMs while the
        // broker is unreachable.
        log.warn({ err: error, errorSource, queue }, "service bus receive error");
      },
    },
    { autoCompleteMessages: false, maxConcurrentCalls: options.concurrency },
  );

  async function waitForInFlight(ms: number) {
    if (inFlight.size > 0) await settleWithin(Promise.allSettled([...inFlight]), ms);
  }

  let closing: Promise<void> | undefined;
  return {
    close(drainMs) {
      closing ??= (async () => {
        // Stop taking messages first (credit back to zero); the link stays open so the
        // in-flight messages can still be settled on it.
        if ((await settleWithin(subscription.close(), 2_000)) === "timed-out") {
          log.warn("stopping the subscription timed out");
        }
        await waitForInFlight(drainMs);
        if (inFlight.size > 0) {
          log.warn({ inFlight: inFlight.size }, "drain deadline reached: aborting in-flight exports");
          abort.abort();
          await waitForInFlight(ABORT_GRACE_MS);
        }
        await receiver.close().catch((err: unknown) => log.warn({ err }, "could not close the receiver"));
      })();
      return closing;
    },
  };
}
