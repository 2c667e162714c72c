import type { TReportStatus } from "@reports/contracts";

const LABELS: Record<TReportStatus, string> = {
  Pending: "Queued",
  Processing: "Running",
  Completed: "Completed",
  Failed: "Failed",
  Cancelled: "Cancelled",
  Expired: "Expired",
};

/** The report's status as a coloured pill; the word carries the meaning, not the colour. */
export function StatusBadge({ status }: { status: TReportStatus }) {
  return (
    <span className={`badge badge-${status.toLowerCase()}`} data-status={status}>
      <span className="badge-dot" aria-hidden="true" />
      {LABELS[status]}
    </span>
  );
}
