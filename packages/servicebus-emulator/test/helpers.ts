import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  ServiceBusClient,
  type ServiceBusClientOptions,
  type ServiceBusReceivedMessage,
  type ServiceBusReceiver,
} from "@azure/service-bus";
import {
  type EmulatorOptions,
  type QueueOptions,
  type RunningEmulator,
  startEmulator,
} from "../src/index.ts";

/** Small retries so that failures surface in seconds, not minutes. */
export const FAST_RETRIES: ServiceBusClientOptions = {
  retryOptions: { maxRetries: 1, retryDelayInMs: 200, timeoutInMs: 5000 },
};

export interface TestBus {
  emulator: RunningEmulator;
  client: ServiceBusClient;
  close(): Promise<void>;
}

/** Starts an emulator on a free port with an SDK client connected to it. */
export async function startTestBus(
  queues: Array<string | QueueOptions>,
  options: Partial<EmulatorOptions> = {},
): Promise<TestBus> {
  const emulator = await startEmulator({ port: 0, ...options, queues });
  const client = new ServiceBusClient(emulator.connectionString, FAST_RETRIES);
  return {
    emulator,
    client,
    async close() {
      await client.close();
      await emulator.close();
    },
  };
}

export async function makeTempDir(prefix: string): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), `${prefix}-`));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Receives until `count` messages arrived or `timeoutMs` passed. */
export async function receiveAtLeast(
  receiver: ServiceBusReceiver,
  count: number,
  timeoutMs = 5000,
): Promise<ServiceBusReceivedMessage[]> {
  const received: ServiceBusReceivedMessage[] = [];
  const deadline = Date.now() + timeoutMs;
  while (received.length < count && Date.now() < deadline) {
    const batch = await receiver.receiveMessages(count - received.length, {
      maxWaitTimeInMs: Math.max(100, Math.min(1000, deadline - Date.now())),
    });
    received.push(...batch);
  }
  return received;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function captureError(
  promise: Promise<unknown>,
): Promise<Error & { code?: string; errors?: unknown[] }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error("expected the operation to fail");
}

/** An error's code, looking inside the AggregateError the SDK throws once retries are exhausted. */
export function errorCodes(error: Error & { code?: string; errors?: unknown[] }): string[] {
  const codes: string[] = [];
  if (error.code) codes.push(error.code);
  for (const inner of error.errors ?? []) {
    const code = (inner as { code?: string }).code;
    if (code) codes.push(code);
  }
  return codes;
}
