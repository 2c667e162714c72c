import {
  type TAdminReport,
  type TAdminReportPage,
  type TAdminSearchReportsInput,
  type TReportStory,
  type TStoryEvent,
  ZAdminReportIdInput,
  ZAdminSearchReportsInput,
} from "@reports/contracts";
import type { Db, Prisma } from "@reports/db";
import type { z } from "zod";
import { AppError, parseInput } from "../../errors.ts";
import { traceIdOf } from "../../traceparent.ts";
import { findReportPage } from "../reports.ts";
import { toAdminAction } from "./actions.ts";
import { toDeadLetter } from "./dead-letters.ts";

/** The columns an operator's view of a report is built from. */
export const ADMIN_REPORT_SELECT = {
  id: true,
  kind: true,
  ownerId: true,
  parameters: true,
  status: true,
  createdAt: true,
  updatedAt: true,
  startedAt: true,
  completedAt: true,
  attempts: true,
  progressRows: true,
  expectedRows: true,
  rowCount: true,
  sizeBytes: true,
  blobName: true,
  error: true,
  errorDetail: true,
} satisfies Prisma.ReportSelect;

type AdminReportRow = Prisma.ReportGetPayload<{ select: typeof ADMIN_REPORT_SELECT }>;

export function toAdminReport(row: AdminReportRow): TAdminReport {
  return {
    reportId: row.id,
    kind: row.kind,
    ownerId: row.ownerId,
    status: row.status,
    parameters: (row.parameters ?? {}) as Record<string, unknown>,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    completedAt: row.completedAt?.toISOString() ?? null,
    attempts: row.attempts,
    progressRows: row.progressRows,
    expectedRows: row.expectedRows,
    rowCount: row.rowCount,
    sizeBytes: row.sizeBytes === null ? null : Number(row.sizeBytes),
    blobName: row.blobName,
    error: row.error,
    errorDetail: row.errorDetail,
  };
}

/** Every user's reports, newest first, filtered by status, owner and creation time; keyset-paginated. */
export async function searchReports({
  db,
  input,
}: {
  db: Db;
  input: z.input<typeof ZAdminSearchReportsInput>;
}): Promise<TAdminReportPage> {
  const { status, ownerId, from, to, cursor, limit }: TAdminSearchReportsInput = parseInput(
    ZAdminSearchReportsInput,
    input,
  );
  const createdAt: Prisma.DateTimeFilter = {};
  if (from) createdAt.gte = new Date(from);
  if (to) createdAt.lt = new Date(to);
  return findReportPage(db, {
    where: {
      ...(status && status.length > 0 ? { status: { in: status } } : {}),
      ...(ownerId ? { ownerId } : {}),
      ...(from || to ? { createdAt } : {}),
    },
    cursor,
    limit,
    select: ADMIN_REPORT_SELECT,
    map: toAdminReport,
  });
}

function asRecord(value: Prisma.JsonValue): Record<string, unknown> {
  return value && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** One line saying what a recorded moment was. */
function summarise(event: string, detail: Record<string, unknown>): string {
  switch (event) {
    case "status": {
      // Operators read what actually went wrong; the owner's reason when there is no detail.
      const why = detail.errorDetail ?? detail.error;
      return `${String(detail.from ?? "?")} → ${String(detail.to ?? "?")}${why ? `: ${String(why)}` : ""}`;
    }
    case "claimed":
      return `claimed by a worker (attempt ${String(detail.attempts ?? "?")})`;
    case "planned":
      return `${String(detail.expectedRows ?? "?")} rows to write`;
    case "progress":
      return `${String(detail.progressRows ?? "?")} of ${String(detail.expectedRows ?? "?")} rows written`;
    case "delivery":
      return `message delivered (delivery ${Number(detail.deliveryCount ?? 0) + 1}) to ${String(detail.worker ?? "a worker")}`;
    case "dead-lettered":
      return `message dead-lettered: ${String(detail.reason ?? "unknown reason")}`;
    case "admin":
      return `operator ${String(detail.action ?? "action")}`;
    default:
      return event;
  }
}

/**
 * The relay records a send (`sent_at`) after the broker accepted it, and a worker may receive
 * and claim the message before that: each "relayed" line goes before the first delivery of
 * its message, whatever the clocks say.
 */
function placeRelaysBeforeTheirDeliveries(events: TStoryEvent[]): void {
  for (const relayed of events.filter((event) => event.event === "relayed")) {
    const from = events.indexOf(relayed);
    const firstDelivery = events.findIndex(
      (event) => event.event === "delivery" && event.detail.messageId === relayed.detail.outboxId,
    );
    if (firstDelivery !== -1 && firstDelivery < from) {
      events.splice(from, 1);
      events.splice(firstDelivery, 0, relayed);
    }
  }
}

/**
 * A report's whole story, oldest first: accepted, each relay of its message, each delivery,
 * claims, progress, status changes (with the error detail users do not see), dead letters
 * and operators' actions, with the trace id its request started.
 */
export async function getReportStory({
  db,
  input,
}: {
  db: Db;
  input: z.input<typeof ZAdminReportIdInput>;
}): Promise<TReportStory> {
  const { reportId } = parseInput(ZAdminReportIdInput, input);
  const report = await db.prisma.report.findUnique({ where: { id: reportId }, select: ADMIN_REPORT_SELECT });
  if (!report) throw new AppError("NOT_FOUND", `Report ${reportId} does not exist.`);
  const [outbox, story, deadLetters, actions] = await Promise.all([
    db.prisma.outboxMessage.findMany({
      where: { correlationId: reportId },
      orderBy: { createdAt: "asc" },
      select: { id: true, createdAt: true, sentAt: true, attempts: true, lastError: true, traceparent: true },
    }),
    db.prisma.reportStoryEvent.findMany({ where: { reportId }, orderBy: { id: "asc" }, take: 1_000 }),
    db.prisma.deadLetter.findMany({ where: { reportId }, orderBy: { recordedAt: "asc" } }),
    db.prisma.adminAction.findMany({ where: { reportId }, orderBy: { at: "asc" } }),
  ]);
  const traceId = traceIdOf(outbox[0]?.traceparent);
  const events: TStoryEvent[] = [
    {
      at: report.createdAt.toISOString(),
      event: "accepted",
      summary: `accepted for ${report.ownerId}`,
      actor: report.ownerId,
      detail: { parameters: report.parameters },
      traceId,
    },
  ];
  for (const row of outbox) {
    if (!row.sentAt) continue;
    events.push({
      at: row.sentAt.toISOString(),
      event: "relayed",
      summary: `message ${row.id} sent to the queue${row.attempts > 1 ? ` (after ${row.attempts} attempts)` : ""}`,
      actor: null,
      detail: { outboxId: row.id, attempts: row.attempts },
      traceId: traceIdOf(row.traceparent),
    });
  }
  for (const row of story) {
    const detail = asRecord(row.detail);
    events.push({
      at: row.at.toISOString(),
      event: row.event,
      summary: summarise(row.event, detail),
      actor: row.actor,
      detail,
      traceId: row.traceId,
    });
  }
  // Stable: equal timestamps keep the order they were recorded in.
  events.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  placeRelaysBeforeTheirDeliveries(events);
  return {
    report: toAdminReport(report),
    traceId,
    outbox: outbox.map((row) => ({
      id: row.id,
      createdAt: row.createdAt.toISOString(),
      sentAt: row.sentAt?.toISOString() ?? null,
      attempts: row.attempts,
      lastError: row.lastError,
      traceparent: row.traceparent,
    })),
    events,
    deadLetters: deadLetters.map(toDeadLetter),
    actions: actions.map((row) => toAdminAction(row, false)),
  };
}
