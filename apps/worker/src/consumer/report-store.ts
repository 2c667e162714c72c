import {
  REPORT_FAILURE_REASONS,
  reportStatusesLeadingTo,
  type TReportFailure,
  type TReportStatus,
} from "@reports/contracts";
import type pg from "pg";

/** Anything that runs a query: the pool, or the connection holding the report's lock. */
export type Queryable = Pick<pg.Pool, "query"> | Pick<pg.PoolClient, "query">;

// Every status change is guarded by the lifecycle table in @reports/contracts: an update
// that sets status S only matches a report whose status may lead to S, so a late or
// duplicate delivery never moves a final report.
const FROM_TO_PROCESSING = reportStatusesLeadingTo("Processing");
const FROM_TO_COMPLETED = reportStatusesLeadingTo("Completed");
const FROM_TO_FAILED = reportStatusesLeadingTo("Failed");

export async function getReportStatus(db: Queryable, reportId: string): Promise<TReportStatus | undefined> {
  const result = await db.query<{ status: TReportStatus }>("SELECT status FROM reports WHERE id = $1", [
    reportId,
  ]);
  return result.rows[0]?.status;
}

/**
 * -> Processing, from Pending or from Processing: a redelivery after a crash (or a lock
 * lost) takes over the work. The caller holds the report's advisory lock, so no other
 * delivery is running this report at the same time.
 */
export async function claimReport(db: Queryable, reportId: string): Promise<boolean> {
  const result = await db.query(
    `UPDATE reports
        SET status = 'Processing', attempts = attempts + 1, started_at = coalesce(started_at, now()),
            progress_rows = 0, error = NULL, updated_at = now()
      WHERE id = $1 AND status = ANY($2::"ReportStatus"[])`,
    [reportId, FROM_TO_PROCESSING],
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

/** -> Completed in one statement; false when the report could no longer complete. */
export async function completeReport(
  db: Queryable,
  reportId: string,
  result: { blobName: string; rowCount: number; sizeBytes: number },
): Promise<boolean> {
  const updated = await db.query(
    `UPDATE reports
        SET status = 'Completed', blob_name = $2, row_count = $3, size_bytes = $4, progress_rows = $3,
            completed_at = now(), updated_at = now(), error = NULL
      WHERE id = $1 AND status = ANY($5::"ReportStatus"[])`,
    [reportId, result.blobName, result.rowCount, result.sizeBytes, FROM_TO_COMPLETED],
  );
  return updated.rowCount === 1;
}

/**
 * -> Failed, with the reason its owner is shown (`REPORT_FAILURE_REASONS`) and, for operators
 * only, what actually went wrong; false when the report is already final.
 */
export async function failReport(
  db: Queryable,
  reportId: string,
  { failure, detail }: { failure: TReportFailure; detail: string },
): Promise<boolean> {
  const updated = await db.query(
    `UPDATE reports
        SET status = 'Failed', error = $2, error_detail = $3, completed_at = now(), updated_at = now()
      WHERE id = $1 AND status = ANY($4::"ReportStatus"[])`,
    [reportId, REPORT_FAILURE_REASONS[failure], detail.slice(0, 4_000), FROM_TO_FAILED],
  );
  return updated.rowCount === 1;
}
