import { WORKER_HEARTBEAT_INTERVAL_MS } from "@reports/contracts";
import { type Closable, idempotentClose, type Logger, sleep } from "@reports/runtime";
import type pg from "pg";
import type { RunningDeliveries } from "./running-deliveries.ts";

export interface WorkerIdentity {
  workerId: string;
  host: string;
  pid: number;
  version: string;
  concurrency: number;
  startedAt: Date;
}

/** Heartbeat rows of workers gone this long are deleted by the next worker that beats. */
const FORGET_AFTER = "7 days";

const BEAT_SQL = `
INSERT INTO worker_heartbeats (worker_id, host, pid, version, concurrency, started_at, last_seen_at, running)
VALUES ($1, $2, $3, $4, $5, $6, now(), $7::jsonb)
ON CONFLICT (worker_id) DO UPDATE SET last_seen_at = now(), running = EXCLUDED.running, stopped_at = NULL`;

const GOODBYE_SQL = `
UPDATE worker_heartbeats SET last_seen_at = now(), stopped_at = now(), running = '[]' WHERE worker_id = $1`;

const FORGET_SQL = `DELETE FROM worker_heartbeats WHERE last_seen_at < now() - interval '${FORGET_AFTER}'`;

/**
 * Keeps this worker's row in worker_heartbeats fresh (every WORKER_HEARTBEAT_INTERVAL_MS) with
 * the deliveries it is handling, so the operator console shows live workers, what they run,
 * and workers that stopped reporting (a crash leaves a stale row without `stopped_at`). A
 * failed beat is logged and retried on the next tick: the heartbeat never stops the worker.
 */
export function startHeartbeat(options: {
  pool: pg.Pool;
  identity: WorkerIdentity;
  running: RunningDeliveries;
  log: Logger;
  intervalMs?: number;
}): Closable {
  const { pool, identity, running, log } = options;
  const intervalMs = options.intervalMs ?? WORKER_HEARTBEAT_INTERVAL_MS;
  const stop = new AbortController();
  const beat = () =>
    pool.query(BEAT_SQL, [
      identity.workerId,
      identity.host,
      identity.pid,
      identity.version,
      identity.concurrency,
      identity.startedAt,
      JSON.stringify(running.list()),
    ]);
  const loop = (async () => {
    let beats = 0;
    while (!stop.signal.aborted) {
      try {
        await beat();
        // Now and then, not every beat: the table stays small without a job of its own.
        if (beats % 360 === 0) await pool.query(FORGET_SQL);
      } catch (err) {
        log.warn({ err }, "could not write the worker heartbeat");
      }
      beats += 1;
      await sleep(intervalMs, stop.signal);
    }
  })();
  return {
    close: idempotentClose(async (deadline) => {
      stop.abort();
      await deadline.settle(loop);
      await deadline.settle(
        pool.query(GOODBYE_SQL, [identity.workerId]).catch((err: unknown) => {
          log.warn({ err }, "could not record the worker's stop");
        }),
      );
    }),
  };
}
