import { type Closable, computeBackoffMs, idempotentClose, type Logger, sleep } from "@reports/runtime";

export interface PeriodicLoopOptions {
  /** One round of work; resolves with how long to sleep before the next (0: at once). */
  round(): Promise<number>;
  log: Logger;
  /** What the loop is called in its logs ("scheduler", "retention"). */
  name: string;
  /** Backoff after a failed round: capped exponential with jitter. */
  backoff: { baseMs: number; maxMs: number };
}

/**
 * A worker loop that runs rounds until closed: after each round it sleeps as long as the
 * round asked, after a failure (the database away, say) it backs off and tries again. Closing
 * it stops after the round in progress, waiting for that round at most until the drain ends;
 * its rounds must therefore be short steps that are safe to cut off.
 */
export function startPeriodicLoop({ round, log, name, backoff }: PeriodicLoopOptions): Closable {
  const stop = new AbortController();
  const loop = (async () => {
    let failures = 0;
    while (!stop.signal.aborted) {
      let waitMs: number;
      try {
        waitMs = await round();
        if (failures > 0) log.info({ afterFailures: failures }, `${name} recovered`);
        failures = 0;
      } catch (err) {
        failures += 1;
        waitMs = computeBackoffMs(failures, backoff);
        log.warn({ err, attempt: failures, retryInMs: waitMs }, `${name} round failed; backing off`);
      }
      if (waitMs > 0) await sleep(waitMs, stop.signal);
    }
  })();
  return {
    close: idempotentClose(async (deadline) => {
      stop.abort();
      await deadline.drainUntil().settle(loop);
    }),
  };
}
