import type { ServiceBusClient, ServiceBusSender } from "@azure/service-bus";
import { OUTBOX_NOTIFY_CHANNEL } from "@reports/db";
import { type Closable, computeBackoffMs, idempotentClose, type Logger, sleep } from "@reports/runtime";
import type pg from "pg";
import { describeError } from "../describe-error.ts";
import { relayOutboxBatch } from "./relay-outbox-batch.ts";

export interface StartRelayOptions {
  pool: pg.Pool;
  serviceBus: ServiceBusClient;
  queue: string;
  relayId: string;
  batchSize: number;
  pollIntervalMs: number;
  leaseMs: number;
  log: Logger;
  /** Backoff after a broker or database error: capped exponential with jitter. */
  backoff?: { baseMs: number; maxMs: number };
}

const DEFAULT_BACKOFF = { baseMs: 250, maxMs: 15_000 };

/**
 * A wake-up signal: `wake()` before `wait()` is remembered, so a NOTIFY that arrives while
 * a batch is being sent is not lost.
 */
function createWaker() {
  let pending = false;
  let resolveWait: (() => void) | undefined;
  return {
    wake() {
      pending = true;
      resolveWait?.();
    },
    async wait(ms: number, signal: AbortSignal) {
      if (pending) {
        pending = false;
        return;
      }
      const timer = new AbortController();
      const onAbort = () => timer.abort();
      signal.addEventListener("abort", onAbort, { once: true });
      await Promise.race([
        sleep(ms, timer.signal),
        new Promise<void>((resolve) => {
          resolveWait = resolve;
        }),
      ]);
      resolveWait = undefined;
      pending = false;
      timer.abort();
      signal.removeEventListener("abort", onAbort);
    },
  };
}

/**
 * Keeps one pooled connection LISTENing on the outbox channel, reconnecting with backoff
 * when it drops (database restart, failover). After a reconnect it wakes the relay once,
 * since notifications sent while it was away are lost.
 */
function listenForOutbox(pool: pg.Pool, onNotify: () => void, log: Logger, signal: AbortSignal) {
  let client: pg.PoolClient | undefined;
  let failures = 0;
  const done = (async () => {
    while (!signal.aborted) {
      try {
        const connected = await pool.connect();
        client = connected;
        const lost = new Promise<unknown>((resolve) => {
          connected.on("error", resolve);
          connected.on("end", () => resolve(new Error("LISTEN connection ended")));
          signal.addEventListener("abort", () => resolve(undefined), { once: true });
        });
        connected.on("notification", onNotify);
        await connected.query(`LISTEN ${OUTBOX_NOTIFY_CHANNEL}`);
        failures = 0;
        onNotify();
        const err = await lost;
        client = undefined;
        connected.removeListener("notification", onNotify);
        if (err === undefined) {
          await connected.query(`UNLISTEN ${OUTBOX_NOTIFY_CHANNEL}`).catch(() => {});
          connected.release();
          return;
        }
        connected.release(err instanceof Error ? err : true);
        log.warn({ err }, "outbox LISTEN connection lost; reconnecting");
      } catch (err) {
        client?.release(true);
        client = undefined;
        failures += 1;
        log.warn({ err, attempt: failures }, "could not LISTEN for outbox notifications; retrying");
        await sleep(computeBackoffMs(failures, DEFAULT_BACKOFF), signal);
      }
    }
  })();
  return done;
}

/**
 * The outbox relay loop: wakes on NOTIFY or every `pollIntervalMs`, drains while batches
 * come back full, and on errors backs off (capped exponential with jitter) and resumes by
 * itself. The SDK does not retry ECONNREFUSED and its own retry delays are long, so this
 * loop owns the retry policy (packages/servicebus-emulator/docs/wire-protocol.md, "When the
 * broker goes away").
 */
export function startRelay(options: StartRelayOptions): Closable {
  const { pool, serviceBus, queue, log, batchSize } = options;
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const stop = new AbortController();
  const waker = createWaker();
  const listening = listenForOutbox(pool, () => waker.wake(), log, stop.signal);

  let sender: ServiceBusSender | undefined;
  function getSender(): ServiceBusSender {
    // A sender closed under us (link detached for good, client recycled) is replaced.
    if (!sender || sender.isClosed) sender = serviceBus.createSender(queue);
    return sender;
  }

  const loop = (async () => {
    let failures = 0;
    while (!stop.signal.aborted) {
      let full = false;
      try {
        const result = await relayOutboxBatch({
          pool,
          sender: getSender(),
          relayId: options.relayId,
          batchSize,
          leaseMs: options.leaseMs,
        });
        if (result.error !== undefined) throw result.error;
        if (result.sent > 0) log.debug({ sent: result.sent }, "relayed outbox messages");
        if (failures > 0) log.info({ afterFailures: failures }, "outbox relay recovered");
        failures = 0;
        full = result.claimed === batchSize;
      } catch (err) {
        failures += 1;
        const delayMs = computeBackoffMs(failures, backoff);
        // The SDK may throw a bare AggregateError (no code) once its retries are spent, or
        // a non-retryable ECONNREFUSED; both mean "try again later".
        log.warn(
          { err, error: describeError(err), attempt: failures, retryInMs: delayMs },
          "outbox relay failed; backing off",
        );
        await sleep(delayMs, stop.signal);
        continue;
      }
      if (!full) await waker.wait(options.pollIntervalMs, stop.signal);
    }
  })();

  return {
    // Stops the loop after the batch in progress (a send is bounded by the SDK's timeout),
    // releases the LISTEN connection and closes the sender, all within the deadline.
    close: idempotentClose(async (deadline) => {
      stop.abort();
      await deadline.drainUntil().settle(Promise.allSettled([loop, listening]));
      await deadline.settle(sender?.close());
    }),
  };
}
