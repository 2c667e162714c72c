"use client";

import type { TSchedule } from "@reports/contracts";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState } from "react";
import { summariseParameters } from "../lib/format.ts";
import { describeNextRun, describeRecurrence, formatInZone } from "../lib/schedule-form.ts";
import { describeApiError } from "../trpc/errors.ts";
import { useTRPC } from "../trpc/react.tsx";

/** How often the list is refetched: new scheduled reports then show in the report list too. */
const REFRESH_MS = 30_000;

function ScheduleItem({ schedule }: { schedule: TSchedule }) {
  const id = useId();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.schedules.list.pathKey() });
  const pause = useMutation(trpc.schedules.pause.mutationOptions({ onSuccess: refresh }));
  const resume = useMutation(trpc.schedules.resume.mutationOptions({ onSuccess: refresh }));
  const remove = useMutation(trpc.schedules.delete.mutationOptions({ onSuccess: refresh }));
  const [confirming, setConfirming] = useState(false);
  const busy = pause.isPending || resume.isPending || remove.isPending;
  const failed = pause.error ?? resume.error ?? remove.error;
  const input = { scheduleId: schedule.scheduleId };
  const paused = schedule.status === "Paused";

  return (
    <li
      className={`schedule schedule-${schedule.status.toLowerCase()}`}
      data-schedule-id={schedule.scheduleId}
      data-status={schedule.status}
    >
      <article aria-labelledby={`${id}-name`}>
        <div className="report-head">
          <span className={`badge badge-schedule-${schedule.status.toLowerCase()}`}>
            <span className="badge-dot" aria-hidden="true" />
            {paused ? "Paused" : "Active"}
          </span>
          <h3 className="report-title" id={`${id}-name`}>
            {schedule.name}
          </h3>
        </div>
        <p className="report-meta">
          <strong>{describeRecurrence(schedule.recurrence)}</strong> ·{" "}
          {schedule.timeZone.replaceAll("_", " ")}
          {" · "}
          {summariseParameters(schedule.parameters)}
        </p>
        <p className="muted report-meta" data-testid="schedule-next">
          {describeNextRun(schedule)}
          {schedule.lastRunAt
            ? ` · last report for ${formatInZone(schedule.lastRunAt, schedule.timeZone)}`
            : " · no report yet"}
        </p>
        {schedule.error ? (
          <p className="report-error" role="status">
            {schedule.error}
          </p>
        ) : null}
        <div className="report-actions">
          {paused ? (
            <button type="button" className="button" disabled={busy} onClick={() => resume.mutate(input)}>
              {resume.isPending ? "Resuming…" : "Resume"}
            </button>
          ) : (
            <button type="button" className="button" disabled={busy} onClick={() => pause.mutate(input)}>
              {pause.isPending ? "Pausing…" : "Pause"}
            </button>
          )}
          {confirming ? (
            <>
              <button
                type="button"
                className="button button-danger"
                disabled={busy}
                onClick={() => remove.mutate(input)}
              >
                {remove.isPending ? "Deleting…" : "Delete schedule"}
              </button>
              <button type="button" className="button button-quiet" onClick={() => setConfirming(false)}>
                Keep it
              </button>
              <span className="muted">Its reports stay.</span>
            </>
          ) : (
            <button
              type="button"
              className="button button-quiet"
              disabled={busy}
              onClick={() => setConfirming(true)}
            >
              Delete…
            </button>
          )}
        </div>
        {failed ? (
          <p className="notice notice-error" role="alert">
            {describeApiError(failed)}
          </p>
        ) : null}
      </article>
    </li>
  );
}

/**
 * The caller's schedules. Refetched every REFRESH_MS while the tab is visible; when a schedule
 * has created a report since the last look, the report list is refetched so it shows.
 */
export function ScheduleList() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const list = useQuery(
    trpc.schedules.list.queryOptions(undefined, {
      refetchInterval: REFRESH_MS,
      refetchIntervalInBackground: false,
    }),
  );
  const latestReports = list.data?.items.map((schedule) => schedule.lastReportId ?? "").join(",");
  const seenReports = useRef<string | undefined>(undefined);
  useEffect(() => {
    if (latestReports === undefined) return;
    if (seenReports.current !== undefined && seenReports.current !== latestReports) {
      void queryClient.invalidateQueries({ queryKey: trpc.reports.list.pathKey() });
    }
    seenReports.current = latestReports;
  }, [latestReports, queryClient, trpc]);

  if (list.isPending) {
    return (
      <p className="muted" role="status">
        Loading your schedules…
      </p>
    );
  }
  if (!list.data) {
    return (
      <div className="notice notice-error" role="alert">
        <p>Your schedules could not be loaded. {describeApiError(list.error)}</p>
        <button type="button" className="button" onClick={() => list.refetch()}>
          Try again
        </button>
      </div>
    );
  }
  if (list.data.items.length === 0) {
    return (
      <div className="empty-state">
        <p className="empty-title">No schedules yet</p>
        <p className="muted">Create one below to get a report every day, week or month without asking.</p>
      </div>
    );
  }
  return (
    <ul className="schedule-list" aria-label="Your schedules, newest first">
      {list.data.items.map((schedule) => (
        <ScheduleItem key={schedule.scheduleId} schedule={schedule} />
      ))}
    </ul>
  );
}
