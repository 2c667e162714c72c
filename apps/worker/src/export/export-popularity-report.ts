import { Readable } from "node:stream";
import type { ContainerClient } from "@azure/storage-blob";
import { POPULARITY_FILE, type TPopularityReportParameters } from "@reports/contracts";
import type pg from "pg";
import { formatCsvHeader, formatCsvRecord } from "./csv.ts";
import { buildPopularityQuery, POPULARITY_CSV_COLUMNS, type PopularityRow } from "./popularity-query.ts";

export interface ExportPopularityReportOptions {
  pool: pg.Pool;
  container: ContainerClient;
  reportId: string;
  parameters: TPopularityReportParameters;
  /** Aborts the export: the running query is cancelled and the upload stopped. */
  signal: AbortSignal;
  /** Called once with the number of rows the export will write. */
  onExpectedRows(expectedRows: number): Promise<void>;
  /** Called with rows written so far, throttled by the two limits below. */
  onProgress(rowsWritten: number): Promise<void>;
  /** Rows fetched from the server-side cursor per round trip. */
  fetchSize?: number;
  progressIntervalMs?: number;
  progressEveryRows?: number;
}

export interface ExportResult {
  blobName: string;
  rowCount: number;
  /** Bytes actually handed to the upload (the blob's size). */
  sizeBytes: number;
}

const CURSOR = "popularity_export";

/**
 * Streams the popularity aggregation out of PostgreSQL into a block blob: a server-side
 * cursor (DECLARE/FETCH, as pg-cursor is not a dependency) feeds CSV chunks into
 * `uploadStream`, which stages blocks as they fill, so neither the result set nor the file
 * is ever held whole in memory. Backpressure is natural: the next FETCH only runs when the
 * upload has consumed the previous chunk.
 */
export async function exportPopularityReport(options: ExportPopularityReportOptions): Promise<ExportResult> {
  const { pool, container, reportId, parameters, signal } = options;
  const fetchSize = options.fetchSize ?? 1_000;
  const progressIntervalMs = options.progressIntervalMs ?? 1_000;
  const progressEveryRows = options.progressEveryRows ?? 5_000;
  signal.throwIfAborted();

  const client = await pool.connect();
  // A query blocked on a lock or a slow plan does not look at our signal; cancelling the
  // backend from another connection makes it fail at once.
  const processId = (client as unknown as { processID?: number }).processID;
  const cancel = () => {
    if (processId !== undefined) pool.query("SELECT pg_cancel_backend($1)", [processId]).catch(() => {});
  };
  signal.addEventListener("abort", cancel, { once: true });
  let failed: Error | undefined;
  try {
    // A cursor lives in a transaction; read-only, one snapshot.
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const query = buildPopularityQuery(parameters);
    await client.query(`DECLARE ${CURSOR} NO SCROLL CURSOR FOR ${query.text}`, query.values);

    let rowCount = 0;
    let sizeBytes = 0;
    let reportedRows = 0;
    let reportedAt = Date.now();
    async function* generateCsv(): AsyncGenerator<Buffer> {
      const header = Buffer.from(formatCsvHeader(POPULARITY_CSV_COLUMNS), "utf8");
      sizeBytes += header.length;
      yield header;
      for (;;) {
        signal.throwIfAborted();
        const batch = await client.query<PopularityRow>(`FETCH ${fetchSize} FROM ${CURSOR}`);
        if (rowCount === 0) {
          // The first FETCH returns once the aggregation is done; its rows carry the total.
          const matching = batch.rows[0]?.total_rows ?? 0;
          await options.onExpectedRows(
            parameters.limit === undefined ? matching : Math.min(matching, parameters.limit),
          );
        }
        if (batch.rows.length === 0) return;
        let text = "";
        for (const row of batch.rows) text += formatCsvRecord(POPULARITY_CSV_COLUMNS, row);
        rowCount += batch.rows.length;
        const chunk = Buffer.from(text, "utf8");
        sizeBytes += chunk.length;
        yield chunk;
        if (rowCount - reportedRows >= progressEveryRows || Date.now() - reportedAt >= progressIntervalMs) {
          reportedRows = rowCount;
          reportedAt = Date.now();
          await options.onProgress(rowCount);
        }
      }
    }

    const blobName = POPULARITY_FILE.blobName(reportId);
    await container
      .getBlockBlobClient(blobName)
      .uploadStream(Readable.from(generateCsv()), 4 * 1024 * 1024, 2, {
        blobHTTPHeaders: { blobContentType: POPULARITY_FILE.contentType },
        abortSignal: signal,
      });
    await client.query(`CLOSE ${CURSOR}`);
    await client.query("COMMIT");
    return { blobName, rowCount, sizeBytes };
  } catch (err) {
    failed = err instanceof Error ? err : new Error(String(err));
    throw signal.aborted ? (signal.reason ?? failed) : err;
  } finally {
    signal.removeEventListener("abort", cancel);
    // After a failure the connection may be mid-transaction or broken: drop it rather
    // than hand a dirty client back to the pool.
    client.release(failed);
  }
}
