import { fireDueSchedules } from "@reports/api/scheduler";
import type { Db } from "@reports/db";
import type { Closable, Logger } from "@reports/runtime";
import { startPeriodicLoop } from "../periodic-loop.ts";

export interface StartSchedulerOptions {
  db: Db;
  /** Schedules fired per round (one transaction each). */
  batchSize: number;
  /** The longest sleep between rounds: how soon a schedule created or changed elsewhere is seen. */
  pollIntervalMs: number;
  log: Logger;
  /** Backoff after a database error: capped exponential with jitter. */
  backoff?: { baseMs: number; maxMs: number };
}

const DEFAULT_BACKOFF = { baseMs: 250, maxMs: 15_000 };
const MIN_WAIT_MS = 200;

/**
 * The scheduler loop: fires the due schedules (each occurrence's report and outbox row in one
 * transaction, so the relay sends it like any other request), then sleeps until the earliest
 * next run or `pollIntervalMs`, whichever comes first. Every worker instance runs one; they
 * share the work through FOR UPDATE SKIP LOCKED and never fire an occurrence twice (the
 * report's unique schedule and occurrence). A worker that was down catches each schedule up
 * once when it, or any other instance, next runs a round.
 */
export function startScheduler(options: StartSchedulerOptions): Closable {
  const { db, batchSize, pollIntervalMs, log } = options;
  return startPeriodicLoop({
    name: "scheduler",
    log,
    backoff: options.backoff ?? DEFAULT_BACKOFF,
    async round() {
      const { firings, nextDueInMs } = await fireDueSchedules({ db, batchSize });
      for (const firing of firings) {
        if (firing.kind === "created") log.info(firing, "scheduled report created");
        else if (firing.kind === "paused") log.warn(firing, "schedule paused: its parameters are not valid");
        else log.info(firing, "occurrence had its report already");
      }
      if (firings.length === batchSize) return 0;
      // A due schedule another instance holds right now is that instance's: do not spin on it.
      return nextDueInMs === null
        ? pollIntervalMs
        : Math.min(pollIntervalMs, Math.max(MIN_WAIT_MS, nextDueInMs));
    },
  });
}
