import type { ContainerClient } from "@azure/storage-blob";
import type { Closable, Logger } from "@reports/runtime";
import type pg from "pg";
import { startPeriodicLoop } from "../periodic-loop.ts";
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
 * The retention loop: every `intervalMs` (at once after a full batch) one round of
 * `expireFiles`. Every worker instance runs one; the rounds are safe to run at the same time
 * (guarded updates, idempotent deletes).
 */
export function startRetention(options: StartRetentionOptions): Closable {
  const { log, batchSize, retentionDays } = options;
  return startPeriodicLoop({
    name: "retention",
    log,
    backoff: options.backoff ?? DEFAULT_BACKOFF,
    async round() {
      const result = await expireFiles(options);
      if (result.expiredReports > 0 || result.deletedFiles > 0) {
        log.info({ ...result, retentionDays }, "expired report files removed");
      }
      const full = result.expiredFiles === batchSize || result.deletedFiles === batchSize;
      return full ? 0 : options.intervalMs;
    },
  });
}
