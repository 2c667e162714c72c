import {
  REPORT_STATUSES,
  type TPipelineSnapshot,
  type TReportStatus,
  type TWorkerStatus,
  WORKER_STALE_AFTER_MS,
} from "@reports/contracts";
import type { Db } from "@reports/db";
import type { QueueCountsReader } from "./broker.ts";

/** Heartbeat rows older than this are no longer shown. */
const WORKERS_SHOWN_FOR_MS = 24 * 60 * 60_000;
const RUNNING_EXPORTS_SHOWN = 100;

function describeBrokerError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`.slice(0, 500);
  return String(err).slice(0, 500);
}

export function workerState(
  row: { lastSeenAt: Date; stoppedAt: Date | null },
  now: Date,
): TWorkerStatus["state"] {
  if (row.stoppedAt) return "stopped";
  return now.getTime() - row.lastSeenAt.getTime() > WORKER_STALE_AFTER_MS ? "lost" : "live";
}

function runningList(value: unknown): TWorkerStatus["running"] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item) =>
    item && typeof item === "object" && typeof (item as { reportId?: unknown }).reportId === "string"
      ? [
          {
            reportId: String((item as { reportId: string }).reportId),
            messageId: (item as { messageId?: unknown }).messageId
              ? String((item as { messageId: unknown }).messageId)
              : null,
            since: String((item as { since?: unknown }).since ?? ""),
          },
        ]
      : [],
  );
}

export async function listWorkers(db: Db, now = new Date()): Promise<TWorkerStatus[]> {
  const rows = await db.prisma.workerHeartbeat.findMany({
    where: { lastSeenAt: { gte: new Date(now.getTime() - WORKERS_SHOWN_FOR_MS) } },
    orderBy: [{ startedAt: "desc" }],
  });
  return rows.map((row) => ({
    workerId: row.workerId,
    host: row.host,
    pid: row.pid,
    version: row.version,
    concurrency: row.concurrency,
    startedAt: row.startedAt.toISOString(),
    lastSeenAt: row.lastSeenAt.toISOString(),
    stoppedAt: row.stoppedAt?.toISOString() ?? null,
    state: workerState(row, now),
    running: runningList(row.running),
  }));
}

/**
 * What is waiting, stuck, running and alive right now: the outbox (relay lag), the broker's
 * queue and dead-letter counts, reports by status, running exports, workers. The broker
 * being unreachable is part of the answer, not a failure of it.
 */
export async function getPipelineSnapshot({
  db,
  broker,
}: {
  db: Db;
  broker?: QueueCountsReader | undefined;
}): Promise<TPipelineSnapshot> {
  const brokerRead = broker
    ? broker.readQueueCounts().then(
        (counts) => ({ ok: true as const, counts }),
        (err: unknown) => ({ ok: false as const, error: describeBrokerError(err) }),
      )
    : Promise.resolve({ ok: false as const, error: "Service Bus is not configured for the web app." });
  const [outbox, statuses, running, deadLetters, workers, brokerResult] = await Promise.all([
    db.pool.query<{ unsent: string; failing: string; oldest_age_ms: string | null }>(
      `SELECT count(*) AS unsent,
              count(*) FILTER (WHERE last_error IS NOT NULL) AS failing,
              floor(extract(epoch FROM now() - min(created_at)) * 1000) AS oldest_age_ms
         FROM outbox_messages WHERE sent_at IS NULL`,
    ),
    db.pool.query<{ status: TReportStatus; count: string }>(
      "SELECT status, count(*) AS count FROM reports GROUP BY status",
    ),
    db.pool.query<{
      id: string;
      owner_id: string;
      started_at: Date | null;
      running_ms: string | null;
      progress_rows: number;
      expected_rows: number | null;
      attempts: number;
    }>(
      `SELECT id, owner_id, started_at, floor(extract(epoch FROM now() - started_at) * 1000) AS running_ms,
              progress_rows, expected_rows, attempts
         FROM reports WHERE status = 'Processing' ORDER BY started_at LIMIT $1`,
      [RUNNING_EXPORTS_SHOWN],
    ),
    db.pool.query<{ recorded: string; open: string }>(
      "SELECT count(*) AS recorded, count(*) FILTER (WHERE redriven_at IS NULL) AS open FROM dead_letters",
    ),
    listWorkers(db),
    brokerRead,
  ]);
  const reportsByStatus = Object.fromEntries(REPORT_STATUSES.map((status) => [status, 0])) as Record<
    TReportStatus,
    number
  >;
  for (const row of statuses.rows) reportsByStatus[row.status] = Number(row.count);
  const outboxRow = outbox.rows[0]!;
  const deadLetterRow = deadLetters.rows[0]!;
  return {
    at: new Date().toISOString(),
    outbox: {
      unsent: Number(outboxRow.unsent),
      failing: Number(outboxRow.failing),
      oldestUnsentAgeMs:
        outboxRow.oldest_age_ms === null ? null : Math.max(0, Number(outboxRow.oldest_age_ms)),
    },
    broker: brokerResult,
    deadLetters: { recorded: Number(deadLetterRow.recorded), open: Number(deadLetterRow.open) },
    reportsByStatus,
    runningExports: running.rows.map((row) => ({
      reportId: row.id,
      ownerId: row.owner_id,
      startedAt: row.started_at?.toISOString() ?? null,
      runningForMs: row.running_ms === null ? null : Math.max(0, Number(row.running_ms)),
      progressRows: row.progress_rows,
      expectedRows: row.expected_rows,
      attempts: row.attempts,
    })),
    workers,
  };
}
