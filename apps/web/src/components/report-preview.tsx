"use client";

import type { TPopularityPreviewRow } from "@reports/contracts";
import { useQuery } from "@tanstack/react-query";
import { formatNumber } from "../lib/format.ts";
import { describeApiError } from "../trpc/errors.ts";
import { useTRPC } from "../trpc/react.tsx";

// Scores are weighted means of 1..5 star ratings, so the axis runs over that whole range.
const SCORE_MIN = 1;
const SCORE_MAX = 5;

function scoreWidth(score: number): string {
  const share = (Math.min(Math.max(score, SCORE_MIN), SCORE_MAX) - SCORE_MIN) / (SCORE_MAX - SCORE_MIN);
  return `${Math.max(share * 100, 1).toFixed(1)}%`;
}

function chartLabel(rows: TPopularityPreviewRow[]): string {
  const items = rows.map(
    (row) => `${row.rank}. ${row.title} by ${row.artist}, score ${row.score.toFixed(2)}`,
  );
  return `Bar chart of the top ${rows.length} albums by score (1 to 5): ${items.join("; ")}.`;
}

/** The top albums of a completed report as a bar chart and a table, from the real file. */
export function ReportPreview({ reportId, headingId }: { reportId: string; headingId: string }) {
  const trpc = useTRPC();
  const preview = useQuery(
    trpc.reportPreviews.get.queryOptions({ reportId }, { staleTime: Number.POSITIVE_INFINITY }),
  );

  if (preview.isPending) {
    return (
      <p className="muted preview-status" aria-busy="true">
        Loading the preview…
      </p>
    );
  }
  if (preview.isError) {
    return (
      <div className="notice notice-error" role="alert">
        The preview could not be loaded. {describeApiError(preview.error)}{" "}
        <button type="button" className="button button-small" onClick={() => preview.refetch()}>
          Retry
        </button>
      </div>
    );
  }
  const { rows, totalRows } = preview.data;
  if (rows.length === 0) {
    return (
      <p className="muted preview-status">
        This report has no rows: no album had enough ratings for these parameters. Try a lower minimum or a
        wider date window.
      </p>
    );
  }
  return (
    <div className="preview">
      <figure className="chart" role="img" aria-label={chartLabel(rows)} data-testid="score-chart">
        <figcaption className="chart-caption" id={headingId}>
          Top {rows.length} of {formatNumber(totalRows)} albums by score
        </figcaption>
        <ol className="chart-bars" aria-hidden="true">
          {rows.map((row) => (
            <li key={row.albumId} className="chart-row">
              <span className="chart-label" title={`${row.title} — ${row.artist}`}>
                <span className="chart-rank">{row.rank}</span>
                <span className="chart-title">{row.title}</span>
              </span>
              <span className="chart-track">
                <span className="chart-bar" style={{ width: scoreWidth(row.score) }} />
              </span>
              <span className="chart-value">{row.score.toFixed(2)}</span>
            </li>
          ))}
        </ol>
        <div className="chart-axis" aria-hidden="true">
          <span>{SCORE_MIN}</span>
          <span>score</span>
          <span>{SCORE_MAX}</span>
        </div>
      </figure>
      <div className="table-scroll">
        <table className="preview-table">
          <caption className="visually-hidden">Top {rows.length} albums of this report</caption>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Album</th>
              <th scope="col">Artist</th>
              <th scope="col" className="wide-only">
                Genre
              </th>
              <th scope="col" className="num">
                Ratings
              </th>
              <th scope="col" className="num wide-only">
                Average
              </th>
              <th scope="col" className="num">
                Score
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.albumId}>
                <td className="num">{row.rank}</td>
                <td>
                  {row.title}
                  {row.releaseYear ? <span className="muted"> ({row.releaseYear})</span> : null}
                </td>
                <td>{row.artist}</td>
                <td className="wide-only">{row.genre}</td>
                <td className="num">{formatNumber(row.ratingsCount)}</td>
                <td className="num wide-only">{row.averageRating.toFixed(2)}</td>
                <td className="num">{row.score.toFixed(3)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
