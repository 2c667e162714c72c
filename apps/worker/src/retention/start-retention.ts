import type { ContainerClient } from "@azure/storage-blob";
import { type Closable, computeBackoffMs, idempotentClose, type Logger, sleep } from "@reports/runtime";
import type pg from "pg";
import { expireFiles } from "./expire-files.ts";

export interface StartRetentionOptions {
  pool: pg.Pool;
  container: ContainerClient;
  /** A file older than this many days is removed and its reports become Expired. */
  retentionDays: number;
  /** Time between rounds. */
  intervalMs: number;
  /** Files per step of a round; a full step starts the next round at once. */
  batchSize: number;
  log: Logger;
  backoff?: { baseMs: number; maxMs: number };
}

const DEFAULT_BACKOFF = { baseMs: 1_000, maxMs: 60_000 };

/**
 * The retention loop: every `intervalMs` (at once after a full batch, with backoff after an
 * error) one round of `expireFiles`. Every worker instance runs one; the rounds are safe to
 * run at the same time (guarded updates, idempotent deletes).
 */
export function startRetention(options: StartRetentionOptions): Closable {
  const { log, batchSize } = options;
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const stop = new AbortController();

  const loop = (async () => {
    let failures = 0;
    while (!stop.signal.aborted) {
      let waitMs = options.intervalMs;
      try {
        const result = await expireFiles(options);
        if (result.expiredReports > 0 || result.deletedFiles > 0) {
          log.info({ ...result, retentionDays: options.retentionDays }, "expired report files removed");
        }
        if (failures > 0) log.info({ afterFailures: failures }, "retention recovered");
        failures = 0;
        if (result.expiredFiles === batchSize || result.deletedFiles === batchSize) waitMs = 0;
      } catch (err) {
        failures += 1;
        waitMs = computeBackoffMs(failures, backoff);
        log.warn({ err, attempt: failures, retryInMs: waitMs }, "retention round failed; backing off");
      }
      if (waitMs > 0) await sleep(waitMs, stop.signal);
    }
  })();

  return {
    // Stops after the round in progress; its steps are short and each is safe to cut off.
    close: idempotentClose(async (deadline) => {
      stop.abort();
      await deadline.drainUntil().settle(loop);
    }),
  };
}
