import { z } from "zod";

/**
 * The report lifecycle, defined once: every status in order, whether it is final, and the
 * statuses it may move to. Everything else derives from this table: the zod enum (and so the
 * OpenAPI document), the worker's guarded updates, the dashboard's polling, `Retry-After`.
 * The Prisma enum in packages/db/prisma/schema.prisma and the migrations must list the same
 * statuses in the same order; `packages/db/src/schema.integration.test.ts` fails when they
 * drift. A new status is added here, to schema.prisma and in a migration.
 *
 * Final means the work is over: nothing runs for the report any more and callers stop
 * polling. A final status may only lead to another final one (a file that is later removed,
 * say), never back to work.
 */
const LIFECYCLE = {
  /** Accepted; waiting for a worker. */
  Pending: { final: false, next: ["Processing", "Failed", "Cancelled"] },
  /** A worker is exporting. Processing -> Processing: a redelivery takes over after a crash. */
  Processing: { final: false, next: ["Processing", "Completed", "Failed", "Cancelled"] },
  /**
   * The file is in Blob Storage with the recorded row count and size. Final (the work is
   * over), yet it may still become Expired when retention removes the file.
   */
  Completed: { final: true, next: ["Expired"] },
  /** Given up; `error` says why. */
  Failed: { final: true, next: [] },
  /** Stopped by its owner before it completed; no file is left behind. */
  Cancelled: { final: true, next: [] },
  /** It was Completed, and retention has since removed its file. */
  Expired: { final: true, next: [] },
} as const;

export type TReportStatus = keyof typeof LIFECYCLE;

// Every `next` names a status of the table.
LIFECYCLE satisfies Record<TReportStatus, { final: boolean; next: readonly TReportStatus[] }>;

/** Every report status, in lifecycle order (the order of the Prisma enum too). */
export const REPORT_STATUSES = Object.keys(LIFECYCLE) as [TReportStatus, ...TReportStatus[]];

/** A report's status (Pending -> Processing -> Completed | Failed | Cancelled; Completed -> Expired). */
export const ZReportStatus = z.enum(REPORT_STATUSES);

/** Statuses a report's work never resumes from: no more polling, no more worker. */
export type TFinalReportStatus = {
  [S in TReportStatus]: (typeof LIFECYCLE)[S]["final"] extends true ? S : never;
}[TReportStatus];

/** The final statuses, in lifecycle order. */
export const FINAL_REPORT_STATUSES = REPORT_STATUSES.filter(
  (status) => LIFECYCLE[status].final,
) as readonly TFinalReportStatus[];

/** The statuses of a report whose work is not over yet (what the per-user limit counts). */
export const ACTIVE_REPORT_STATUSES = REPORT_STATUSES.filter((status) => !LIFECYCLE[status].final);

/** True once the report's work is over (no `Retry-After`, no polling, no worker). */
export function isFinalReportStatus(status: TReportStatus): status is TFinalReportStatus {
  return LIFECYCLE[status].final;
}

/** True when a report in status `from` may move to `to`. */
export function canMoveReport(from: TReportStatus, to: TReportStatus): boolean {
  return (LIFECYCLE[from].next as readonly TReportStatus[]).includes(to);
}

/**
 * The statuses from which a report may move to `to`: the guard of an update that sets `to`
 * (`WHERE status = ANY(...)`), so a final report is never changed by a late delivery.
 */
export function reportStatusesLeadingTo(to: TReportStatus): TReportStatus[] {
  return REPORT_STATUSES.filter((from) => canMoveReport(from, to));
}

/**
 * The one way back from a final status, and only by an operator: the console's retry and
 * re-drive move a Failed report back to Pending together with a new export request, in one
 * guarded statement (`WHERE status = ANY(from)`). Nothing in the pipeline takes this path:
 * the worker's guards come from `reportStatusesLeadingTo`, which does not include it, so a
 * late delivery can still never revive a report.
 */
export const OPERATOR_REQUEUE = { from: ["Failed"], to: "Pending" } as const satisfies {
  from: readonly TFinalReportStatus[];
  to: TReportStatus;
};
