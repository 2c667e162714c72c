import type { ServiceBusAdministrationClient } from "@azure/service-bus";
import type { TQueueCounts } from "@reports/contracts";

/** Reads the queue's counts from the broker; the console's only call to Service Bus. */
export interface QueueCountsReader {
  readQueueCounts(): Promise<TQueueCounts>;
}

/** How long the console waits for the broker before it shows the counts as unavailable. */
export const BROKER_TIMEOUT_MS = 5_000;

/**
 * Counts from `getQueueRuntimeProperties`, as Azure answers them (and the emulator, over
 * HTTPS on its AMQP port: packages/servicebus-emulator/README.md, "Administration API").
 */
export function createQueueCountsReader(
  admin: Pick<ServiceBusAdministrationClient, "getQueueRuntimeProperties">,
  queue: string,
): QueueCountsReader {
  return {
    async readQueueCounts() {
      const properties = await admin.getQueueRuntimeProperties(queue, {
        abortSignal: AbortSignal.timeout(BROKER_TIMEOUT_MS),
      });
      return {
        queue,
        activeMessageCount: properties.activeMessageCount,
        deadLetterMessageCount: properties.deadLetterMessageCount,
        scheduledMessageCount: properties.scheduledMessageCount,
      };
    },
  };
}
