"use client";

import { isFinalReportStatus, type TReport } from "@reports/contracts";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type ReactNode, useEffect, useId, useState } from "react";
import {
  formatAge,
  formatBytes,
  formatDuration,
  formatElapsed,
  formatNumber,
  summariseParameters,
} from "../lib/format.ts";
import { createReportPoller, DEFAULT_POLL_POLICY } from "../lib/polling.ts";
import { describeApiError } from "../trpc/errors.ts";
import { useTRPC } from "../trpc/react.tsx";
import { ProgressBar } from "./progress-bar.tsx";
import { ReportPreview } from "./report-preview.tsx";
import { StatusBadge } from "./status-badge.tsx";
import { useNow } from "./use-now.ts";
import { useRequestReport } from "./use-request-report.ts";

interface ReportRowProps {
  report: TReport;
  pollAfterSeconds: number;
  /** The newest report opens its preview when it completes (or is already completed). */
  newest: boolean;
}

function duration(fromIso: string | undefined, toIso: string | undefined): string | undefined {
  if (!fromIso || !toIso) return undefined;
  return formatDuration(fromIso, toIso);
}

/** The reason's first line reads as a sentence; storage diagnostics after it stay, smaller. */
function FailureReason({ reason }: { reason: string }) {
  const [first, ...rest] = reason.split(/\r?\n/).filter((line) => line.trim() !== "");
  return (
    <>
      {first}
      {rest.length > 0 ? <span className="report-error-detail">{rest.join(" · ")}</span> : null}
    </>
  );
}

/** A button that requests a new report with the same parameters, and its error. */
function RequestAgain({
  retry,
  onClick,
  label,
  children,
}: {
  retry: ReturnType<typeof useRequestReport>;
  onClick: () => void;
  label: string;
  children?: ReactNode;
}) {
  return (
    <>
      <div className="report-actions">
        <button type="button" className="button" onClick={onClick} disabled={retry.isPending}>
          {retry.isPending ? "Requesting…" : label}
        </button>
        {children}
      </div>
      {retry.error ? (
        <p className="notice notice-error" role="alert">
          {describeApiError(retry.error)}
        </p>
      ) : null}
    </>
  );
}

/**
 * One report. While it is not final it polls its own status (`reports.get`) at the
 * server's Retry-After pace, backing off while nothing changes; polling stops when the
 * report is final and pauses while the tab is hidden.
 */
export function ReportRow({ report: listed, pollAfterSeconds, newest }: ReportRowProps) {
  const id = useId();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [poller] = useState(() =>
    createReportPoller({ baseSeconds: pollAfterSeconds, ...DEFAULT_POLL_POLICY }),
  );
  const live = useQuery(
    trpc.reports.get.queryOptions(
      { reportId: listed.reportId },
      {
        enabled: !isFinalReportStatus(listed.status),
        refetchInterval: (query) =>
          poller.next({
            data: query.state.data,
            dataUpdatedAt: query.state.dataUpdatedAt,
            errorUpdatedAt: query.state.errorUpdatedAt,
          }),
        refetchIntervalInBackground: false,
        refetchOnWindowFocus: (query) => !isFinalReportStatus(query.state.data?.status ?? listed.status),
      },
    ),
  );
  const report = live.data ?? listed;
  const running = !isFinalReportStatus(report.status);
  const now = useNow(running ? 1_000 : 30_000);

  const retry = useRequestReport();
  const [downloadError, setDownloadError] = useState<string | null>(null);
  const [downloading, setDownloading] = useState(false);
  const [previewOpen, setPreviewOpen] = useState(newest && listed.status === "Completed");
  const completedWhileWatched = newest && report.status === "Completed" && listed.status !== "Completed";
  useEffect(() => {
    if (completedWhileWatched) setPreviewOpen(true);
  }, [completedWhileWatched]);

  async function download() {
    if (downloading) return;
    setDownloading(true);
    setDownloadError(null);
    try {
      // A fresh `get` mints a fresh short-lived link; a cached one may have expired.
      const fresh = await queryClient.fetchQuery({
        ...trpc.reports.get.queryOptions({ reportId: report.reportId }),
        staleTime: 0,
      });
      if (!fresh.downloadUrl) throw new Error("The file is not available for this report.");
      window.location.assign(fresh.downloadUrl);
    } catch (err) {
      setDownloadError(`The download could not start. ${describeApiError(err)}`);
    } finally {
      setDownloading(false);
    }
  }

  async function tryAgain() {
    try {
      await retry.submit(report.parameters);
    } catch {
      // Shown below from the mutation's error.
    }
  }

  const headingId = `${id}-heading`;
  const previewId = `${id}-preview`;
  return (
    <li
      className={`report report-${report.status.toLowerCase()}`}
      data-report-id={report.reportId}
      data-status={report.status}
    >
      <article aria-labelledby={headingId}>
        <div className="report-head">
          <StatusBadge status={report.status} />
          <h3 className="report-title" id={headingId}>
            {summariseParameters(report.parameters)}
          </h3>
          {report.scheduledFor ? (
            <span className="report-scheduled" data-testid="scheduled-for" title={report.scheduledFor}>
              Scheduled · {new Date(report.scheduledFor).toLocaleString()}
            </span>
          ) : null}
          <time
            className="report-age muted"
            dateTime={report.createdAt}
            title={new Date(report.createdAt).toLocaleString()}
          >
            {formatAge(report.createdAt, now)}
          </time>
        </div>
        <span className="visually-hidden" aria-live="polite">
          {`Report ${report.status === "Processing" ? "running" : report.status.toLowerCase()}`}
        </span>

        {report.status === "Pending" ? (
          <div className="report-body">
            <ProgressBar rowsWritten={0} totalRows={null} label="Export progress" />
            <p className="muted report-meta">Waiting for a worker · {formatElapsed(report.createdAt, now)}</p>
          </div>
        ) : null}

        {report.status === "Processing" ? (
          <div className="report-body">
            <ProgressBar
              rowsWritten={report.progress?.rowsWritten ?? 0}
              totalRows={report.progress?.totalRows ?? null}
              label="Export progress"
            />
            <p className="muted report-meta">
              Processing for{" "}
              <span data-testid="elapsed">{formatElapsed(report.startedAt ?? report.createdAt, now)}</span>
            </p>
          </div>
        ) : null}

        {report.status === "Completed" ? (
          <div className="report-body">
            <p className="muted report-meta">
              {formatNumber(report.rowCount ?? 0)} rows
              {report.sizeBytes !== undefined ? ` · ${formatBytes(report.sizeBytes)}` : ""}
              {duration(report.startedAt ?? report.createdAt, report.completedAt)
                ? ` · took ${duration(report.startedAt ?? report.createdAt, report.completedAt)}`
                : ""}
            </p>
            <div className="report-actions">
              <button
                type="button"
                className="button button-primary"
                onClick={download}
                disabled={downloading}
              >
                {downloading ? "Preparing…" : "Download CSV"}
              </button>
              <button
                type="button"
                className="button"
                aria-expanded={previewOpen}
                aria-controls={previewId}
                onClick={() => setPreviewOpen((open) => !open)}
              >
                {previewOpen ? "Hide preview" : "Show preview"}
              </button>
            </div>
            {downloadError ? (
              <p className="notice notice-error" role="alert">
                {downloadError}
              </p>
            ) : null}
            <section id={previewId} hidden={!previewOpen} aria-labelledby={`${previewId}-caption`}>
              {previewOpen ? (
                <ReportPreview reportId={report.reportId} headingId={`${previewId}-caption`} />
              ) : null}
            </section>
          </div>
        ) : null}

        {report.status === "Failed" ? (
          <div className="report-body">
            <p className="report-error" data-testid="failure-reason">
              <strong>Why it failed: </strong>
              {report.error ? <FailureReason reason={report.error} /> : "No reason was recorded."}
            </p>
            <RequestAgain retry={retry} onClick={tryAgain} label="Try again">
              <span className="muted">Requests a new report with the same parameters.</span>
            </RequestAgain>
          </div>
        ) : null}

        {report.status === "Expired" ? (
          <div className="report-body">
            <p className="muted report-meta" data-testid="expired-note">
              The file was removed: files are kept for a limited time. Generate the report again for a fresh
              file.
            </p>
            <RequestAgain retry={retry} onClick={tryAgain} label="Generate again" />
          </div>
        ) : null}

        {live.isError && !isFinalReportStatus(report.status) ? (
          <p className="muted report-meta" role="status">
            Status updates are paused: {describeApiError(live.error)}
          </p>
        ) : null}
      </article>
    </li>
  );
}
