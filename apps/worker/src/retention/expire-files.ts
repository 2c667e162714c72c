import type { ContainerClient } from "@azure/storage-blob";
import { reportStatusesLeadingTo } from "@reports/contracts";
import type pg from "pg";

/** Reports whose file retention may remove: Completed ones (the lifecycle's only way to Expired). */
const FROM_TO_EXPIRED = reportStatusesLeadingTo("Expired");

export interface ExpireFilesOptions {
  pool: pg.Pool;
  container: ContainerClient;
  /** A file older than this many days is removed. */
  retentionDays: number;
  /** Files handled per step (each step is bounded, so a long backlog is worked off in rounds). */
  batchSize: number;
}

export interface ExpireFilesResult {
  /** Files whose reports were marked Expired in this round. */
  expiredFiles: number;
  /** Reports marked Expired in this round. */
  expiredReports: number;
  /** Files deleted from Blob Storage in this round (or found gone already). */
  deletedFiles: number;
}

/**
 * One round of retention, in two steps that are each safe to repeat and to run on several
 * worker instances at once:
 *
 * 1. Expire: a file whose first report completed `retentionDays` ago or earlier is taken out of
 *    service. Every Completed report that names it becomes Expired in one guarded statement,
 *    together: a file serves every report that names it (identical requests may share one
 *    file), so none of them is ever left Completed with a link to a removed file, and none of
 *    them is expired while the file still serves another.
 * 2. Delete: the file of Expired reports that still name one is deleted, then those reports
 *    stop naming it. Only then, so a delete that fails (storage unreachable) is retried by the
 *    next round rather than forgotten; the storage lifecycle rule, one day later, is the
 *    backstop for anything the worker never gets to.
 *
 * The file's age is the completion of its first report (its upload), so a report that joined
 * an old file expires with it.
 */
export async function expireFiles(options: ExpireFilesOptions): Promise<ExpireFilesResult> {
  const { pool, container, retentionDays, batchSize } = options;
  const result: ExpireFilesResult = { expiredFiles: 0, expiredReports: 0, deletedFiles: 0 };

  const due = await pool.query<{ blob_name: string }>(
    `SELECT DISTINCT blob_name FROM reports
      WHERE status = 'Completed' AND blob_name IS NOT NULL
        AND completed_at <= now() - make_interval(days => $1)
      LIMIT $2`,
    [retentionDays, batchSize],
  );
  for (const { blob_name: blobName } of due.rows) {
    const expired = await pool.query(
      `UPDATE reports SET status = 'Expired', updated_at = now()
        WHERE blob_name = $1 AND status = ANY($2::"ReportStatus"[])`,
      [blobName, FROM_TO_EXPIRED],
    );
    result.expiredFiles += 1;
    result.expiredReports += expired.rowCount ?? 0;
  }

  // Files of Expired reports that are still named: removed by a previous step, or by this one.
  const removable = await pool.query<{ blob_name: string }>(
    `SELECT DISTINCT blob_name FROM reports WHERE status = 'Expired' AND blob_name IS NOT NULL LIMIT $1`,
    [batchSize],
  );
  for (const { blob_name: blobName } of removable.rows) {
    // A report that still serves the file keeps it: expiry takes every report of a file at
    // once, so this only happens to a file a report completed from after that statement.
    const inUse = await pool.query(
      `SELECT 1 FROM reports WHERE blob_name = $1 AND status = ANY($2::"ReportStatus"[]) LIMIT 1`,
      [blobName, FROM_TO_EXPIRED],
    );
    if ((inUse.rowCount ?? 0) > 0) continue;
    await container.getBlockBlobClient(blobName).deleteIfExists();
    await pool.query(
      `UPDATE reports SET blob_name = NULL, updated_at = now() WHERE blob_name = $1 AND status = 'Expired'`,
      [blobName],
    );
    result.deletedFiles += 1;
  }
  return result;
}
