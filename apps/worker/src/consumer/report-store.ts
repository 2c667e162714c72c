import type pg from "pg";

/** Anything that runs a query: the pool, or the connection holding the report's lock. */
export type Queryable = Pick<pg.Pool, "query"> | Pick<pg.PoolClient, "query">;

export type ReportRowStatus = "Pending" | "Processing" | "Completed" | "Failed";

export interface ReportState {
  status: ReportRowStatus;
  attempts: number;
}

export async function getReportState(db: Queryable, reportId: string): Promise<ReportState | undefined> {
  const result = await db.query<ReportState>("SELECT status, attempts FROM reports WHERE id = $1", [
    reportId,
  ]);
  return result.rows[0];
}

/**
 * Pending|Processing -> Processing. Processing is allowed too: a redelivery after a crash
 * (or a lock lost) takes over the work. The caller holds the report's advisory lock, so
 * no other delivery is running this report at the same time.
 */
export async function claimReport(db: Queryable, reportId: string): Promise<boolean> {
  const result = await db.query(
    `UPDATE reports
        SET status = 'Processing', attempts = attempts + 1, started_at = coalesce(started_at, now()),
            progress_rows = 0, error = NULL, updated_at = now()
      WHERE id = $1 AND status IN ('Pending', 'Processing')
      RETURNING attempts`,
    [reportId],
  );
  return result.rowCount === 1;
}

export async function recordExpectedRows(db: Queryable, reportId: string, expectedRows: number) {
  await db.query(
    "UPDATE reports SET expected_rows = $2, updated_at = now() WHERE id = $1 AND status = 'Processing'",
    [reportId, expectedRows],
  );
}

export async function recordProgress(db: Queryable, reportId: string, rowsWritten: number) {
  await db.query(
    "UPDATE reports SET progress_rows = $2, updated_at = now() WHERE id = $1 AND status = 'Processing'",
    [reportId, rowsWritten],
  );
}

/** Processing -> Completed in one statement; false when the report was no longer Processing. */
export async function completeReport(
  db: Queryable,
  reportId: string,
  result: { blobName: string; rowCount: number; sizeBytes: number },
): Promise<boolean> {
  const updated = await db.query(
    `UPDATE reports
        SET status = 'Completed', blob_name = $2, row_count = $3, size_bytes = $4, progress_rows = $3,
            completed_at = now(), updated_at = now(), error = NULL
      WHERE id = $1 AND status = 'Processing'`,
    [reportId, result.blobName, result.rowCount, result.sizeBytes],
  );
  return updated.rowCount === 1;
}

/** Pending|Processing -> Failed with a reason a user can read; false when already final. */
export async function failReport(db: Queryable, reportId: string, reason: string): Promise<boolean> {
  const updated = await db.query(
    `UPDATE reports
        SET status = 'Failed', error = $2, completed_at = now(), updated_at = now()
      WHERE id = $1 AND status IN ('Pending', 'Processing')`,
    [reportId, reason.slice(0, 2_000)],
  );
  return updated.rowCount === 1;
}
