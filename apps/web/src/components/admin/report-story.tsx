"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { formatBytes, formatNumber } from "../../lib/format.ts";
import { describeApiError } from "../../trpc/errors.ts";
import { useTRPC } from "../../trpc/react.tsx";
import { StatusBadge } from "../status-badge.tsx";
import { ActionButton } from "./action-button.tsx";

/** A report's whole story: who asked, every relay, delivery, claim, progress and status change. */
export function ReportStory({ reportId }: { reportId: string }) {
  const trpc = useTRPC();
  const story = useQuery(trpc.admin.reports.story.queryOptions({ reportId }, { refetchInterval: 3_000 }));
  const cancel = useMutation(trpc.admin.reports.cancel.mutationOptions());
  const retry = useMutation(trpc.admin.reports.retry.mutationOptions());
  const redrive = useMutation(trpc.admin.deadLetters.redrive.mutationOptions());
  if (story.isPending) {
    return (
      <p className="muted" aria-busy="true">
        Loading the report…
      </p>
    );
  }
  if (story.isError) {
    return (
      <p className="notice notice-error" role="alert">
        {describeApiError(story.error)}
      </p>
    );
  }
  const { report, events, traceId, deadLetters, actions } = story.data;
  return (
    <>
      <h1>
        Report <span className="mono">{report.reportId}</span>
      </h1>
      <section className="card admin-section" aria-labelledby="report-heading" data-testid="report-summary">
        <h2 id="report-heading" className="visually-hidden">
          Summary
        </h2>
        <dl className="facts">
          <dt>Status</dt>
          <dd>
            <StatusBadge status={report.status} />
          </dd>
          <dt>User</dt>
          <dd>{report.ownerId}</dd>
          <dt>Parameters</dt>
          <dd className="mono">{JSON.stringify(report.parameters)}</dd>
          <dt>Trace id</dt>
          <dd className="mono" data-testid="trace-id">
            {traceId ?? "none"}
          </dd>
          <dt>Attempts</dt>
          <dd>{report.attempts}</dd>
          {report.rowCount !== null ? (
            <>
              <dt>File</dt>
              <dd>
                {formatNumber(report.rowCount)} rows, {formatBytes(report.sizeBytes ?? 0)}{" "}
                <span className="mono muted">{report.blobName}</span>
              </dd>
            </>
          ) : null}
          {report.error ? (
            <>
              <dt>Reason shown to the user</dt>
              <dd className="error-cell" data-testid="report-error">
                {report.error}
              </dd>
            </>
          ) : null}
          {report.errorDetail ? (
            <>
              <dt>Error detail</dt>
              <dd className="error-cell mono" data-testid="report-error-detail">
                {report.errorDetail}
              </dd>
            </>
          ) : null}
        </dl>
        <div className="admin-actions">
          {report.status === "Pending" || report.status === "Processing" ? (
            <ActionButton
              label="Cancel report"
              confirm={`Cancel ${report.ownerId}'s report?`}
              run={(idempotencyKey) => cancel.mutateAsync({ reportId, idempotencyKey })}
            />
          ) : null}
          {report.status === "Failed" ? (
            <ActionButton
              label="Retry"
              run={(idempotencyKey) => retry.mutateAsync({ reportId, idempotencyKey })}
            />
          ) : null}
        </div>
      </section>
      <section className="card admin-section" aria-labelledby="story-heading">
        <h2 id="story-heading">Story</h2>
        <ol className="story" data-testid="story">
          {events.map((event) => (
            <li
              key={`${event.at} ${event.event} ${event.summary}`}
              className={`story-event story-${event.event}`}
              data-event={event.event}
            >
              <time dateTime={event.at}>
                {new Date(event.at).toLocaleTimeString("en-GB", {
                  hour: "2-digit",
                  minute: "2-digit",
                  second: "2-digit",
                  fractionalSecondDigits: 3,
                  hour12: false,
                })}
              </time>
              <span className="story-kind">{event.event}</span>
              <span className="story-summary">{event.summary}</span>
              {event.actor ? <span className="muted"> by {event.actor}</span> : null}
            </li>
          ))}
        </ol>
      </section>
      {deadLetters.length > 0 ? (
        <section className="card admin-section" aria-labelledby="dead-heading">
          <h2 id="dead-heading">Dead-lettered messages</h2>
          <ul className="plain-list">
            {deadLetters.map((deadLetter) => (
              <li key={deadLetter.id}>
                <strong>{deadLetter.reason}</strong>: {deadLetter.description}{" "}
                {deadLetter.redrivenAt ? (
                  <span className="muted">
                    re-driven by {deadLetter.redrivenBy} at{" "}
                    {new Date(deadLetter.redrivenAt).toLocaleTimeString("en-GB")}
                  </span>
                ) : (
                  <ActionButton
                    label="Re-drive"
                    run={(idempotencyKey) =>
                      redrive.mutateAsync({ deadLetterId: deadLetter.id, idempotencyKey })
                    }
                  />
                )}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {actions.length > 0 ? (
        <section className="card admin-section" aria-labelledby="actions-heading">
          <h2 id="actions-heading">Operator actions</h2>
          <ul className="plain-list">
            {actions.map((action) => (
              <li key={action.id}>
                {action.action} by {action.actor} at {new Date(action.at).toLocaleString("en-GB")}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <p>
        <Link href="/admin/reports">← All reports</Link>
      </p>
    </>
  );
}
