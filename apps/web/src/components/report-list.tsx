"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import { describeApiError, readApiError } from "../trpc/errors.ts";
import { useTRPC } from "../trpc/react.tsx";
import { ReportRow } from "./report-row.tsx";

const PAGE_SIZE = 10;

/** The caller's reports, newest first, a page at a time. */
export function ReportList({ pollAfterSeconds }: { pollAfterSeconds: number }) {
  const trpc = useTRPC();
  const list = useInfiniteQuery(
    trpc.reports.list.infiniteQueryOptions(
      { limit: PAGE_SIZE },
      { getNextPageParam: (page) => page.nextCursor ?? undefined },
    ),
  );

  if (list.isPending) {
    return (
      <div className="report-list-loading" aria-busy="true">
        <p className="visually-hidden" role="status">
          Loading your reports…
        </p>
        {[0, 1, 2].map((n) => (
          <div key={n} className="skeleton" aria-hidden="true" />
        ))}
      </div>
    );
  }

  // A failed "Load more" also puts the query in error, but keeps the pages already loaded.
  if (!list.data) {
    const signedOut = readApiError(list.error).code === "UNAUTHORIZED";
    return (
      <div className="notice notice-error" role="alert">
        <p>Your reports could not be loaded. {describeApiError(list.error)}</p>
        {signedOut ? (
          <a className="button" href="/signin">
            Sign in
          </a>
        ) : (
          <button type="button" className="button" onClick={() => list.refetch()}>
            Try again
          </button>
        )}
      </div>
    );
  }

  const seen = new Set<string>();
  const reports = list.data.pages
    .flatMap((page) => page.items)
    .filter((report) => !seen.has(report.reportId) && seen.add(report.reportId));

  if (reports.length === 0) {
    return (
      <div className="empty-state">
        <p className="empty-title">No reports yet</p>
        <p className="muted">
          Choose parameters above, or keep the defaults, and select <strong>Generate report</strong>. It shows
          up here and updates by itself; a report over the sample catalogue takes a few seconds.
        </p>
      </div>
    );
  }

  return (
    <>
      <ol className="report-list" aria-label="Your reports, newest first">
        {reports.map((report, index) => (
          <ReportRow
            key={report.reportId}
            report={report}
            pollAfterSeconds={pollAfterSeconds}
            newest={index === 0}
          />
        ))}
      </ol>
      <div className="list-footer">
        {list.hasNextPage ? (
          <button
            type="button"
            className="button"
            onClick={() => list.fetchNextPage()}
            disabled={list.isFetchingNextPage}
          >
            {list.isFetchingNextPage ? "Loading…" : "Load more"}
          </button>
        ) : reports.length > PAGE_SIZE ? (
          <p className="muted">That is all of your reports.</p>
        ) : null}
        {list.isFetchNextPageError || (list.isError && !list.isFetching) ? (
          <p className="notice notice-error" role="alert">
            {list.isFetchNextPageError
              ? "More reports could not be loaded."
              : "The list could not be refreshed."}{" "}
            {describeApiError(list.error)}
          </p>
        ) : null}
      </div>
    </>
  );
}
