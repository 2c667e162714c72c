"use client";

import { REPORT_STATUSES, type TReportStatus } from "@reports/contracts";
import { useInfiniteQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { formatNumber } from "../../lib/format.ts";
import { describeApiError } from "../../trpc/errors.ts";
import { useTRPC } from "../../trpc/react.tsx";
import { StatusBadge } from "../status-badge.tsx";

/** A datetime-local value (the browser's local time) as ISO, or undefined. */
function toIso(local: string | null): string | undefined {
  if (!local) return undefined;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** Every user's reports, filtered by status, owner and creation time; the filters live in the URL. */
export function ReportSearch() {
  const trpc = useTRPC();
  const router = useRouter();
  const params = useSearchParams();
  const status = (params.get("status") ?? "")
    .split(",")
    .filter((value): value is TReportStatus => (REPORT_STATUSES as readonly string[]).includes(value));
  const ownerId = params.get("ownerId") ?? "";
  const from = params.get("from") ?? "";
  const to = params.get("to") ?? "";
  const input = {
    limit: 25,
    ...(status.length > 0 ? { status } : {}),
    ...(ownerId ? { ownerId } : {}),
    ...(toIso(from) ? { from: toIso(from) } : {}),
    ...(toIso(to) ? { to: toIso(to) } : {}),
  };
  const search = useInfiniteQuery(
    trpc.admin.reports.search.infiniteQueryOptions(input, {
      getNextPageParam: (page) => page.nextCursor ?? undefined,
      refetchInterval: 10_000,
    }),
  );
  const items = search.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <>
      <form
        className="card admin-filters"
        onSubmit={(event) => {
          event.preventDefault();
          const form = new FormData(event.currentTarget);
          const query = new URLSearchParams();
          const statuses = form.getAll("status").map(String);
          if (statuses.length > 0) query.set("status", statuses.join(","));
          for (const name of ["ownerId", "from", "to"]) {
            const value = String(form.get(name) ?? "").trim();
            if (value) query.set(name, value);
          }
          router.push(`/admin/reports?${query}`);
        }}
      >
        <fieldset className="status-filter">
          <legend>Status</legend>
          {REPORT_STATUSES.map((value) => (
            <label key={value}>
              <input type="checkbox" name="status" value={value} defaultChecked={status.includes(value)} />{" "}
              {value}
            </label>
          ))}
        </fieldset>
        <label className="field">
          User
          <input name="ownerId" defaultValue={ownerId} placeholder="user id" />
        </label>
        <label className="field">
          Created from
          <input name="from" type="datetime-local" defaultValue={from} />
        </label>
        <label className="field">
          Created before
          <input name="to" type="datetime-local" defaultValue={to} />
        </label>
        <button type="submit" className="button button-primary">
          Search
        </button>
      </form>
      {search.isPending ? (
        <p className="muted" aria-busy="true">
          Searching…
        </p>
      ) : search.isError && items.length === 0 ? (
        <p className="notice notice-error" role="alert">
          {describeApiError(search.error)}
        </p>
      ) : items.length === 0 ? (
        <p className="muted">No report matches these filters.</p>
      ) : (
        <table className="admin-table card" data-testid="admin-reports">
          <thead>
            <tr>
              <th scope="col">Report</th>
              <th scope="col">User</th>
              <th scope="col">Status</th>
              <th scope="col">Created</th>
              <th scope="col" className="num">
                Rows
              </th>
              <th scope="col">Error</th>
            </tr>
          </thead>
          <tbody>
            {items.map((item) => (
              <tr key={item.reportId} data-report-id={item.reportId}>
                <td>
                  <Link href={`/admin/reports/${item.reportId}`} className="mono">
                    {item.reportId.slice(0, 8)}
                  </Link>
                </td>
                <td>{item.ownerId}</td>
                <td>
                  <StatusBadge status={item.status} />
                </td>
                <td>{new Date(item.createdAt).toLocaleString("en-GB")}</td>
                <td className="num">{item.rowCount === null ? "–" : formatNumber(item.rowCount)}</td>
                <td className="error-cell">{item.errorDetail ?? item.error ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {search.hasNextPage ? (
        <button type="button" className="button" onClick={() => search.fetchNextPage()}>
          Load more
        </button>
      ) : null}
    </>
  );
}
