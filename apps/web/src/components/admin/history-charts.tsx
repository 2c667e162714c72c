"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { describeApiError } from "../../trpc/errors.ts";
import { useTRPC } from "../../trpc/react.tsx";
import { TimeSeriesChart } from "./time-series-chart.tsx";

const RANGES = [
  { hours: 1, bucketMinutes: 1, label: "1 hour" },
  { hours: 3, bucketMinutes: 1, label: "3 hours" },
  { hours: 12, bucketMinutes: 5, label: "12 hours" },
  { hours: 24, bucketMinutes: 10, label: "24 hours" },
];

/** Reports accepted / completed / failed per bucket and export duration p50 / p95, as charts. */
export function HistoryCharts() {
  const trpc = useTRPC();
  const [range, setRange] = useState(RANGES[1]!);
  const history = useQuery(
    trpc.admin.history.queryOptions(
      { hours: range.hours, bucketMinutes: range.bucketMinutes },
      { refetchInterval: 30_000 },
    ),
  );
  return (
    <section className="card admin-section" aria-labelledby="history-heading">
      <div className="admin-section-head">
        <h2 id="history-heading">History</h2>
        <label className="inline-field">
          Last{" "}
          <select
            value={range.label}
            onChange={(event) =>
              setRange(RANGES.find((item) => item.label === event.target.value) ?? RANGES[1]!)
            }
          >
            {RANGES.map((item) => (
              <option key={item.label}>{item.label}</option>
            ))}
          </select>
        </label>
      </div>
      {history.isPending ? (
        <p className="muted" aria-busy="true">
          Loading the history…
        </p>
      ) : history.isError ? (
        <p className="notice notice-error" role="alert">
          {describeApiError(history.error)}
        </p>
      ) : (
        <div className="charts">
          <TimeSeriesChart
            testId="throughput-chart"
            title={`Reports per ${history.data.bucketMinutes === 1 ? "minute" : `${history.data.bucketMinutes} minutes`}`}
            unit="reports"
            times={history.data.buckets.map((bucket) => bucket.at)}
            series={[
              {
                name: "accepted",
                className: "series-accepted",
                values: history.data.buckets.map((b) => b.accepted),
              },
              {
                name: "completed",
                className: "series-completed",
                values: history.data.buckets.map((b) => b.completed),
              },
              {
                name: "failed",
                className: "series-failed",
                values: history.data.buckets.map((b) => b.failed),
              },
            ]}
          />
          <TimeSeriesChart
            testId="duration-chart"
            title="Export duration (seconds)"
            unit="s"
            times={history.data.buckets.map((bucket) => bucket.at)}
            series={[
              {
                name: "p50",
                className: "series-p50",
                values: history.data.buckets.map((b) =>
                  b.durationP50Ms === null ? null : b.durationP50Ms / 1000,
                ),
              },
              {
                name: "p95",
                className: "series-p95",
                values: history.data.buckets.map((b) =>
                  b.durationP95Ms === null ? null : b.durationP95Ms / 1000,
                ),
              },
            ]}
          />
        </div>
      )}
    </section>
  );
}
