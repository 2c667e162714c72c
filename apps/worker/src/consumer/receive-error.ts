import type { ProcessErrorArgs } from "@azure/service-bus";
import type { Logger } from "@reports/runtime";

/**
 * Logs what a subscription reports through `processError`. The SDK reconnects by itself and
 * reports every retry while the broker is unreachable (docs/architecture.md, "When the
 * broker goes away"): a warning. But closing a subscription that is still attaching its link,
 * as a stop right after start does, is reported as an AbortError ("Cannot request messages
 * on the receiver since it is suspended"): expected then, and not worth a warning.
 */
export function logReceiveError(
  log: Logger,
  { error, errorSource }: ProcessErrorArgs,
  { queue, stopping, message }: { queue: string; stopping: boolean; message: string },
): void {
  if (stopping && error.name === "AbortError") {
    log.debug({ err: error, errorSource, queue }, `${message} while stopping`);
    return;
  }
  log.warn({ err: error, errorSource, queue }, message);
}
