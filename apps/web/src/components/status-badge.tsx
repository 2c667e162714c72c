import type { TReportStatus } from "@reports/contracts";

/**
 * The report's status as a coloured pill, in the API's own word (Pending, Processing, …), so
 * that the dashboard, the API and the README say the same thing; the word carries the
 * meaning, not the colour.
 */
export function StatusBadge({ status }: { status: TReportStatus }) {
  return (
    <span className={`badge badge-${status.toLowerCase()}`} data-status={status}>
      <span className="badge-dot" aria-hidden="true" />
      {status}
    </span>
  );
}
