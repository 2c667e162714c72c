"use client";

import { REPORT_STATUSES } from "@reports/contracts";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { formatNumber } from "../../lib/format.ts";
import { describeApiError } from "../../trpc/errors.ts";
import { useTRPC } from "../../trpc/react.tsx";
import { StatusBadge } from "../status-badge.tsx";

/** "850 ms", "12.3 s", "4 min 5 s". */
export function formatMs(ms: number | null): string {
  if (ms === null) return "–";
  if (ms < 1_000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

function Stat({
  label,
  value,
  hint,
  alert,
}: {
  label: string;
  value: string;
  hint?: string;
  alert?: boolean;
}) {
  return (
    <div className={alert ? "stat stat-alert" : "stat"}>
      <dt>{label}</dt>
      <dd>
        <span className="stat-value">{value}</span>
        {hint ? <span className="stat-hint muted">{hint}</span> : null}
      </dd>
    </div>
  );
}

/** What is waiting, stuck, running and alive now; refreshed every 5 seconds. */
export function PipelineNow() {
  const trpc = useTRPC();
  const pipeline = useQuery(trpc.admin.pipeline.queryOptions(undefined, { refetchInterval: 5_000 }));
  if (pipeline.isPending) {
    return (
      <p className="muted" aria-busy="true">
        Loading the pipeline…
      </p>
    );
  }
  if (pipeline.isError) {
    return (
      <p className="notice notice-error" role="alert">
        {describeApiError(pipeline.error)}
      </p>
    );
  }
  const now = pipeline.data;
  return (
    <>
      <section className="card admin-section" aria-labelledby="now-heading" data-testid="pipeline-now">
        <h2 id="now-heading">Now</h2>
        <dl className="stats">
          <Stat
            label="Outbox: unsent"
            value={formatNumber(now.outbox.unsent)}
            hint={`oldest ${formatMs(now.outbox.oldestUnsentAgeMs)}`}
            alert={now.outbox.failing > 0}
          />
          <Stat
            label="Outbox: failing sends"
            value={formatNumber(now.outbox.failing)}
            alert={now.outbox.failing > 0}
          />
          {now.broker.ok ? (
            <>
              <Stat
                label={`Queue ${now.broker.counts.queue}`}
                value={formatNumber(now.broker.counts.activeMessageCount)}
              />
              <Stat
                label="Dead-letter queue"
                value={formatNumber(now.broker.counts.deadLetterMessageCount)}
                alert={now.broker.counts.deadLetterMessageCount > 0}
              />
            </>
          ) : (
            <Stat label="Broker" value="unavailable" hint={now.broker.error} alert />
          )}
          <Stat
            label="Dead letters to look at"
            value={formatNumber(now.deadLetters.open)}
            hint={`${formatNumber(now.deadLetters.recorded)} recorded`}
            alert={now.deadLetters.open > 0}
          />
        </dl>
        <h3>Reports by status</h3>
        <ul className="status-counts">
          {REPORT_STATUSES.map((status) => (
            <li key={status}>
              <Link href={`/admin/reports?status=${status}`}>
                <StatusBadge status={status} />{" "}
                <span className="stat-value">{formatNumber(now.reportsByStatus[status] ?? 0)}</span>
              </Link>
            </li>
          ))}
        </ul>
      </section>
      <section className="card admin-section" aria-labelledby="running-heading">
        <h2 id="running-heading">Exports running ({now.runningExports.length})</h2>
        {now.runningExports.length === 0 ? (
          <p className="muted">Nothing is exporting right now.</p>
        ) : (
          <table className="admin-table">
            <thead>
              <tr>
                <th scope="col">Report</th>
                <th scope="col">Owner</th>
                <th scope="col">Running for</th>
                <th scope="col" className="num">
                  Rows
                </th>
                <th scope="col" className="num">
                  Attempt
                </th>
              </tr>
            </thead>
            <tbody>
              {now.runningExports.map((item) => (
                <tr key={item.reportId}>
                  <td>
                    <Link href={`/admin/reports/${item.reportId}`} className="mono">
                      {item.reportId.slice(0, 8)}
                    </Link>
                  </td>
                  <td>{item.ownerId}</td>
                  <td>{formatMs(item.runningForMs)}</td>
                  <td className="num">
                    {formatNumber(item.progressRows)}
                    {item.expectedRows === null ? "" : ` / ${formatNumber(item.expectedRows)}`}
                  </td>
                  <td className="num">{item.attempts}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section className="card admin-section" aria-labelledby="workers-heading" data-testid="workers">
        <h2 id="workers-heading">
          Workers ({now.workers.filter((worker) => worker.state === "live").length} live)
        </h2>
        {now.workers.length === 0 ? (
          <p className="muted">No worker has reported in the last day.</p>
        ) : (
          <table className="admin-table">
            <thead>
              <tr>
                <th scope="col">Worker</th>
                <th scope="col">State</th>
                <th scope="col">Version</th>
                <th scope="col">Started</th>
                <th scope="col">Last seen</th>
                <th scope="col">Running</th>
              </tr>
            </thead>
            <tbody>
              {now.workers.map((worker) => (
                <tr key={worker.workerId} data-state={worker.state}>
                  <td className="mono">
                    {worker.host} · pid {worker.pid}
                  </td>
                  <td>
                    <span className={`worker-state worker-${worker.state}`}>{worker.state}</span>
                  </td>
                  <td>{worker.version}</td>
                  <td>{new Date(worker.startedAt).toLocaleString("en-GB")}</td>
                  <td>{new Date(worker.lastSeenAt).toLocaleTimeString("en-GB")}</td>
                  <td>
                    {worker.running.length === 0
                      ? `idle (of ${worker.concurrency})`
                      : worker.running.map((item) => (
                          <Link key={item.reportId} href={`/admin/reports/${item.reportId}`} className="mono">
                            {item.reportId.slice(0, 8)}{" "}
                          </Link>
                        ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
