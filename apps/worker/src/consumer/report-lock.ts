import { sleep } from "@reports/runtime";
import type pg from "pg";

/** The connection that holds a report's advisory lock, for as long as the export runs. */
export interface ReportLock {
  client: pg.PoolClient;
  release(): Promise<void>;
}

// Two-key advisory lock: a fixed namespace plus the report id hashed to int4. A hash
// collision between two reports only makes them wait for each other; it never lets two
// deliveries of the same report run at once.
const LOCK_SQL = "SELECT pg_try_advisory_lock(hashtext('reports.export'), hashtext($1)) AS locked";
const UNLOCK_SQL = "SELECT pg_advisory_unlock(hashtext('reports.export'), hashtext($1))";

/**
 * Takes the per-report lock on a dedicated connection, waiting (polling) while another
 * delivery of the same report holds it. Resolves undefined when `signal` aborts first.
 *
 * Why wait instead of abandoning: a second delivery while the first still runs is a
 * lock-expiry redelivery or a duplicate message. Abandoning would spend a delivery each
 * time, so a long export could see its message dead-lettered (and the report marked
 * Failed) while it was still making progress. Waiting costs one connection and one
 * concurrency slot; the message lock keeps being renewed meanwhile. When the first
 * delivery finishes, this one sees the report final and completes its message; when the
 * first worker died, PostgreSQL drops its session and with it the lock, and this delivery
 * takes over.
 */
export async function acquireReportLock(
  pool: pg.Pool,
  reportId: string,
  { signal, pollMs = 1_000, onWait }: { signal: AbortSignal; pollMs?: number; onWait?: () => void },
): Promise<ReportLock | undefined> {
  const client = await pool.connect();
  let waited = false;
  try {
    for (;;) {
      if (signal.aborted) {
        client.release();
        return undefined;
      }
      const result = await client.query<{ locked: boolean }>(LOCK_SQL, [reportId]);
      if (result.rows[0]?.locked) break;
      if (!waited) onWait?.();
      waited = true;
      await sleep(pollMs, signal);
    }
  } catch (err) {
    client.release(err instanceof Error ? err : true);
    throw err;
  }
  let released = false;
  return {
    client,
    async release() {
      if (released) return;
      released = true;
      try {
        await client.query(UNLOCK_SQL, [reportId]);
        client.release();
      } catch (err) {
        // A broken connection has lost the lock anyway: destroy it.
        client.release(err instanceof Error ? err : true);
      }
    },
  };
}
