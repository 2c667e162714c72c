import type { Logger } from "pino";
import type { FaultOptions } from "./store/faults.ts";

/** A queue the emulator serves, with Service Bus's properties and defaults. */
export interface QueueOptions {
  name: string;
  /** How long a peek-lock receiver holds a message; default 60 s. */
  lockDurationMs?: number;
  /** Deliveries before a message is dead-lettered with `MaxDeliveryCountExceeded`; default 10. */
  maxDeliveryCount?: number;
  /** Upper bound on every message's time to live; default unlimited. */
  defaultMessageTimeToLiveMs?: number;
  /** Move expired messages to the dead-letter queue instead of dropping them; default false. */
  deadLetteringOnMessageExpiration?: boolean;
  /** Drop a message whose `messageId` was accepted within the history window; default false. */
  requiresDuplicateDetection?: boolean;
  /** How long accepted message ids are remembered; default 10 min. */
  duplicateDetectionHistoryTimeWindowMs?: number;
  /** Largest accepted encoded message; default 262144 (256 KiB, the Standard tier). */
  maxMessageSizeInBytes?: number;
}

/** How to start an emulator. */
export interface EmulatorOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  queues: Array<string | QueueOptions>;
  /** Directory for the message journal; absent means in memory only. */
  dataDir?: string;
  /** SAS key name; default `RootManageSharedAccessKey`, as Microsoft's emulator. */
  keyName?: string;
  /** SAS key; default `SAS_KEY_VALUE`, as Microsoft's emulator. */
  key?: string;
  /**
   * PEM certificate and key for the administration API's HTTPS; by default one is made and kept in
   * `dataDir` (or made for this run when there is none).
   */
  tls?: { cert: string; key: string };
  /** Deliberate broker faults, for testing consumers; none by default. */
  faults?: FaultOptions;
  logger?: Logger;
}

/** A started emulator. */
export interface RunningEmulator {
  connectionString: string;
  port: number;
  host: string;
  /**
   * The PEM certificate the administration API serves on the same port, for clients to trust:
   * `new ServiceBusAdministrationClient(connectionString, { tlsOptions: { ca: await certificate() } })`.
   * Without `dataDir` or `tls` it is made on the first call or TLS connection.
   */
  certificate(): Promise<string>;
  /** Fault injection on demand (see `EmulatorOptions.faults` for faults at random). */
  faults: {
    /** The seed of the random faults of this run. */
    readonly seed: number;
    /**
     * Enqueues the last `count` messages completed on `queue` (up to 100 are remembered per queue)
     * again as new messages with the same id and body, as a broker redelivering a settled message
     * would; resolves with how many.
     */
    redeliverCompleted(queue: string, count: number): Promise<number>;
  };
  /** Stops listening and drops every connection; idempotent. */
  close(): Promise<void>;
}

export type ResolvedQueueOptions = Required<Omit<QueueOptions, "defaultMessageTimeToLiveMs">> & {
  defaultMessageTimeToLiveMs: number | undefined;
};

export const DEFAULT_KEY_NAME = "RootManageSharedAccessKey";
export const DEFAULT_KEY = "SAS_KEY_VALUE";

export function resolveQueueOptions(queue: string | QueueOptions): ResolvedQueueOptions {
  const options = typeof queue === "string" ? { name: queue } : queue;
  if (!options.name || /[\s?#]/.test(options.name) || options.name.includes("$")) {
    throw new Error(`invalid queue name: ${JSON.stringify(options.name)}`);
  }
  const resolved: ResolvedQueueOptions = {
    name: options.name,
    lockDurationMs: options.lockDurationMs ?? 60_000,
    maxDeliveryCount: options.maxDeliveryCount ?? 10,
    defaultMessageTimeToLiveMs: options.defaultMessageTimeToLiveMs,
    deadLetteringOnMessageExpiration: options.deadLetteringOnMessageExpiration ?? false,
    requiresDuplicateDetection: options.requiresDuplicateDetection ?? false,
    duplicateDetectionHistoryTimeWindowMs: options.duplicateDetectionHistoryTimeWindowMs ?? 10 * 60_000,
    maxMessageSizeInBytes: options.maxMessageSizeInBytes ?? 262_144,
  };
  for (const key of ["lockDurationMs", "maxDeliveryCount", "maxMessageSizeInBytes"] as const) {
    if (!Number.isFinite(resolved[key]) || resolved[key] <= 0) {
      throw new Error(`queue ${options.name}: ${key} must be a positive number`);
    }
  }
  return resolved;
}
