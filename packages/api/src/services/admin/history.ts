import { type THistory, type THistoryInput, ZHistoryInput } from "@reports/contracts";
import type { Db } from "@reports/db";
import type { z } from "zod";
import { parseInput } from "../../errors.ts";

const MINUTE_MS = 60_000;

/**
 * Reports accepted, completed, failed and cancelled per bucket over the last hours, with the
 * p50 and p95 export duration (started to completed) of the reports completed in each bucket.
 * Empty buckets are zeros, so a chart's x axis is even.
 */
export async function getHistory({
  db,
  input,
  now = new Date(),
}: {
  db: Db;
  input: z.input<typeof ZHistoryInput>;
  now?: Date;
}): Promise<THistory> {
  const { hours, bucketMinutes }: THistoryInput = parseInput(ZHistoryInput, input);
  const bucketMs = bucketMinutes * MINUTE_MS;
  const to = Math.floor(now.getTime() / bucketMs) * bucketMs + bucketMs;
  const from = to - Math.ceil((hours * 60) / bucketMinutes) * bucketMs;
  // Buckets are aligned on the epoch, computed in SQL by integer division of milliseconds.
  const [accepted, finished] = await Promise.all([
    db.pool.query<{ bucket: string; count: string }>(
      `SELECT floor(extract(epoch FROM created_at) * 1000 / $3)::bigint AS bucket, count(*) AS count
         FROM reports WHERE created_at >= to_timestamp($1 / 1000.0) AND created_at < to_timestamp($2 / 1000.0)
        GROUP BY 1`,
      [from, to, bucketMs],
    ),
    db.pool.query<{
      bucket: string;
      completed: string;
      failed: string;
      cancelled: string;
      p50: number | null;
      p95: number | null;
    }>(
      `SELECT floor(extract(epoch FROM completed_at) * 1000 / $3)::bigint AS bucket,
              count(*) FILTER (WHERE status IN ('Completed', 'Expired')) AS completed,
              count(*) FILTER (WHERE status = 'Failed') AS failed,
              count(*) FILTER (WHERE status = 'Cancelled') AS cancelled,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM completed_at - started_at) * 1000)
                FILTER (WHERE status IN ('Completed', 'Expired') AND started_at IS NOT NULL) AS p50,
              percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM completed_at - started_at) * 1000)
                FILTER (WHERE status IN ('Completed', 'Expired') AND started_at IS NOT NULL) AS p95
         FROM reports WHERE completed_at >= to_timestamp($1 / 1000.0) AND completed_at < to_timestamp($2 / 1000.0)
        GROUP BY 1`,
      [from, to, bucketMs],
    ),
  ]);
  const acceptedBy = new Map(accepted.rows.map((row) => [Number(row.bucket), Number(row.count)]));
  const finishedBy = new Map(finished.rows.map((row) => [Number(row.bucket), row]));
  const buckets: THistory["buckets"] = [];
  for (let at = from; at < to; at += bucketMs) {
    const key = at / bucketMs;
    const done = finishedBy.get(key);
    buckets.push({
      at: new Date(at).toISOString(),
      accepted: acceptedBy.get(key) ?? 0,
      completed: Number(done?.completed ?? 0),
      failed: Number(done?.failed ?? 0),
      cancelled: Number(done?.cancelled ?? 0),
      durationP50Ms: done?.p50 == null ? null : Math.round(Number(done.p50)),
      durationP95Ms: done?.p95 == null ? null : Math.round(Number(done.p95)),
    });
  }
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString(), bucketMinutes, buckets };
}
