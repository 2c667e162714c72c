import { formatNumber } from "../lib/format.ts";

/** Rows written out of the expected total; indeterminate until the total is known. */
export function ProgressBar({
  rowsWritten,
  totalRows,
  label,
}: {
  rowsWritten: number;
  totalRows: number | null;
  label: string;
}) {
  const percent = totalRows ? Math.min(100, Math.round((rowsWritten / totalRows) * 100)) : null;
  const text =
    totalRows === null
      ? `${formatNumber(rowsWritten)} rows written`
      : `${formatNumber(rowsWritten)} of ${formatNumber(totalRows)} rows · ${percent}%`;
  return (
    <div className="progress">
      <div
        className={percent === null ? "progress-track progress-indeterminate" : "progress-track"}
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={totalRows ?? undefined}
        aria-valuenow={totalRows === null ? undefined : rowsWritten}
        aria-valuetext={text}
      >
        <div className="progress-fill" style={percent === null ? undefined : { width: `${percent}%` }} />
      </div>
      <span className="progress-text">{text}</span>
    </div>
  );
}
