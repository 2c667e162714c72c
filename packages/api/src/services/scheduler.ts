import { randomUUID } from "node:crypto";
import {
  EXPORT_REQUESTED_V1,
  latestOccurrence,
  nextOccurrence,
  type TExportRequestedV1,
  type TReportKind,
  ZPopularityReportParameters,
} from "@reports/contracts";
import type { Db, Prisma } from "@reports/db";
import { writeOutboxMessage } from "./reports.ts";

/** A schedule whose next run is due, as the scheduler claims it. */
interface DueSchedule {
  id: string;
  owner_id: string;
  kind: TReportKind;
  parameters: unknown;
  cron: string;
  time_zone: string;
  next_run_at: Date;
  /** The database's clock: every instance compares and computes with this one. */
  now: Date;
}

/** What one due schedule came to. */
export type ScheduleFiring =
  /** A report for `occurrence` was created, with its outbox row. */
  | {
      kind: "created";
      scheduleId: string;
      reportId: string;
      occurrence: Date;
      dueSince: Date;
      nextRunAt: Date | null;
    }
  /** A report for `occurrence` existed already (the unique key held); only the next run moved. */
  | { kind: "existed"; scheduleId: string; occurrence: Date; nextRunAt: Date | null }
  /** Its stored parameters are no longer valid: paused with the reason, for its owner to fix. */
  | { kind: "paused"; scheduleId: string; reason: string };

export interface FireDueSchedulesOptions {
  db: Db;
  /** At most this many schedules per call (one transaction each). */
  batchSize: number;
}

export interface FireDueSchedulesResult {
  firings: ScheduleFiring[];
  /** Milliseconds until the earliest active schedule is due (0: now; null: none), to sleep until then. */
  nextDueInMs: number | null;
}

/**
 * Fires every due schedule, up to `batchSize`, each in its own transaction: the schedule row
 * is claimed with FOR UPDATE SKIP LOCKED (so several scheduler instances never fire one at
 * the same time, and none waits for another), its report row and outbox row are inserted,
 * and its next run is moved on, all committed together. Exactly once per occurrence: the
 * report's (schedule_id, scheduled_for) is unique, so even a schedule whose next run was moved
 * back (a clock behind, an edit) cannot create a second report for an occurrence.
 *
 * After downtime a schedule is caught up once: the one report is for the latest occurrence
 * that was due, and the next run is the first occurrence after now, so the occurrences missed
 * in between create nothing.
 */
export async function fireDueSchedules({
  db,
  batchSize,
}: FireDueSchedulesOptions): Promise<FireDueSchedulesResult> {
  const firings: ScheduleFiring[] = [];
  while (firings.length < batchSize) {
    const firing = await db.prisma.$transaction(fireNextDueSchedule);
    if (!firing) break;
    firings.push(firing);
  }
  // Measured on the database's clock, the one that decides what is due.
  const [next] = await db.prisma.$queryRaw<Array<{ next_due_in_ms: number | null }>>`
    SELECT greatest(0, extract(epoch FROM min(next_run_at) - now()) * 1000)::float8 AS next_due_in_ms
      FROM report_schedules WHERE status = 'Active'`;
  return { firings, nextDueInMs: next?.next_due_in_ms ?? null };
}

async function fireNextDueSchedule(tx: Prisma.TransactionClient): Promise<ScheduleFiring | undefined> {
  const [due] = await tx.$queryRaw<DueSchedule[]>`
    SELECT id, owner_id, kind, parameters, cron, time_zone, next_run_at, now() AS now
      FROM report_schedules
     WHERE status = 'Active' AND next_run_at <= now()
     ORDER BY next_run_at
     LIMIT 1
       FOR UPDATE SKIP LOCKED`;
  if (!due) return undefined;

  const parameters = ZPopularityReportParameters.safeParse(due.parameters);
  if (!parameters.success) {
    const reason = `Paused: its report parameters are no longer valid (${parameters.error.issues
      .map((issue) => `${issue.path.join(".") || "parameters"}: ${issue.message}`)
      .join("; ")}). Change them to resume.`;
    await tx.reportSchedule.update({
      where: { id: due.id },
      data: { status: "Paused", nextRunAt: null, error: reason, updatedAt: due.now },
      select: { id: true },
    });
    return { kind: "paused", scheduleId: due.id, reason };
  }

  // The latest occurrence that is due: the stored next run, or a later one it has fallen
  // behind to (downtime). Never before the stored one.
  const latest = latestOccurrence(due.cron, due.time_zone, due.now);
  const occurrence = latest && latest > due.next_run_at ? latest : due.next_run_at;
  const nextRunAt = nextOccurrence(due.cron, due.time_zone, due.now);

  const reportId = randomUUID();
  const created = await tx.report.createManyAndReturn({
    data: [
      {
        id: reportId,
        kind: due.kind,
        ownerId: due.owner_id,
        parameters: JSON.parse(JSON.stringify(parameters.data)) as Prisma.InputJsonObject,
        status: "Pending",
        createdAt: due.now,
        updatedAt: due.now,
        scheduleId: due.id,
        scheduledFor: occurrence,
      },
    ],
    // ON CONFLICT DO NOTHING: the unique (schedule_id, scheduled_for) says it exists already.
    skipDuplicates: true,
    select: { id: true },
  });
  if (created.length === 1) {
    const message: TExportRequestedV1 = {
      type: EXPORT_REQUESTED_V1,
      reportId,
      kind: due.kind,
      ownerId: due.owner_id,
      parameters: parameters.data,
      requestedAt: due.now.toISOString(),
    };
    await writeOutboxMessage(tx, { message });
  }
  await tx.reportSchedule.update({
    where: { id: due.id },
    data: {
      // A recurrence with no occurrence left (a cron naming a date that has passed) stops.
      ...(nextRunAt ? { nextRunAt } : { nextRunAt: null, status: "Paused" }),
      lastRunAt: occurrence,
      ...(created.length === 1 ? { lastReportId: reportId } : {}),
      updatedAt: due.now,
    },
    select: { id: true },
  });
  return created.length === 1
    ? { kind: "created", scheduleId: due.id, reportId, occurrence, dueSince: due.next_run_at, nextRunAt }
    : { kind: "existed", scheduleId: due.id, occurrence, nextRunAt };
}
