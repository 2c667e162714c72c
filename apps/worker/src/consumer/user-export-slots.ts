import { randomUUID } from "node:crypto";
import type { TReportMessage } from "@reports/contracts";
import type pg from "pg";
import type { Queryable } from "./report-store.ts";

/**
 * The advisory lock of one of a user's export slots: the single 64-bit key form, which
 * PostgreSQL keeps apart from the two-key form of the per-report lock (report-lock.ts).
 */
export const USER_EXPORT_SLOT_LOCK_SQL =
  "SELECT pg_try_advisory_lock(hashtextextended('reports.user-export:' || $1 || ':' || $2, 0)) AS locked";
const UNLOCK_SQL =
  "SELECT pg_advisory_unlock(hashtextextended('reports.user-export:' || $1 || ':' || $2, 0))";

/** A user's export slot, held on the connection that holds the report's own lock. */
export interface UserExportSlot {
  release(): Promise<void>;
}

/**
 * Takes one of `ownerId`'s `maxPerUser` export slots, or none when all are taken: a
 * semaphore of session advisory locks, so it holds across every worker instance and frees
 * itself when a worker dies (PostgreSQL drops the session's locks with it). The slots are
 * tried one by one: a single statement could take more than one.
 */
export async function tryAcquireUserExportSlot(
  client: pg.PoolClient,
  ownerId: string,
  maxPerUser: number,
): Promise<UserExportSlot | undefined> {
  for (let slot = 0; slot < maxPerUser; slot++) {
    const result = await client.query<{ locked: boolean }>(USER_EXPORT_SLOT_LOCK_SQL, [ownerId, slot]);
    if (result.rows[0]?.locked) {
      return {
        async release() {
          await client.query(UNLOCK_SQL, [ownerId, slot]);
        },
      };
    }
  }
  return undefined;
}

/**
 * Offers a report's export again later, without spending a delivery: a new outbox row with
 * the same message, inserted already leased until `delayMs` from now (no relay claims a row
 * before its lease runs out), so it reaches the back of the queue then. The caller completes
 * the current message only after this commits: if the worker dies in between, the message
 * comes back as well, and the report still takes effect once (the per-report lock and the
 * guarded status updates).
 */
export async function deferExport(
  db: Queryable,
  message: TReportMessage,
  { delayMs, traceparent }: { delayMs: number; traceparent?: string | undefined },
): Promise<void> {
  await db.query(
    `INSERT INTO outbox_messages (id, type, payload, correlation_id, traceparent, locked_by, locked_until)
     VALUES ($1, $2, $3, $4, $5, 'deferred (per-user export limit)', now() + $6 * interval '1 millisecond')`,
    [randomUUID(), message.type, JSON.stringify(message), message.reportId, traceparent ?? null, delayMs],
  );
}
