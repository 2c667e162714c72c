import {
  POPULARITY_FILE,
  type TPopularityColumn,
  type TPopularityReportParameters,
} from "@reports/contracts";
import type { CsvColumn } from "./csv.ts";

/** One CSV row of the popularity report, as PostgreSQL returns it. */
export interface PopularityRow {
  rank: string;
  album_id: number;
  title: string;
  artist: string;
  release_year: number;
  genre: string;
  ratings_count: string;
  /** Fixed 4 decimals, rounded in numeric (half away from zero). */
  average_rating: string;
  /** Fixed 4 decimals, rounded in numeric (half away from zero). */
  score: string;
  /** Rows the query yields before LIMIT (not a CSV column). */
  total_rows: number;
}

// What goes in each column of the file; the columns and their order are POPULARITY_FILE's.
// Text columns are user data and formula-neutralised.
const CELLS: Record<TPopularityColumn, Omit<CsvColumn<PopularityRow>, "header">> = {
  rank: { value: (row) => row.rank },
  album_id: { value: (row) => row.album_id },
  title: { value: (row) => row.title, text: true },
  artist: { value: (row) => row.artist, text: true },
  release_year: { value: (row) => row.release_year },
  genre: { value: (row) => row.genre, text: true },
  ratings_count: { value: (row) => row.ratings_count },
  average_rating: { value: (row) => row.average_rating },
  score: { value: (row) => row.score },
};

/** The popularity file's columns, in file order, with the value each takes from a row. */
export const POPULARITY_CSV_COLUMNS: ReadonlyArray<CsvColumn<PopularityRow>> = POPULARITY_FILE.columns.map(
  (header) => ({ header, ...CELLS[header] }),
);

export interface SqlQuery {
  text: string;
  values: unknown[];
}

/**
 * Dates in the parameters are calendar days; the window is taken in UTC: `from` at
 * 00:00:00Z inclusive, `to` at 00:00:00Z exclusive.
 */
function windowBound(date: string | undefined): string | null {
  return date === undefined ? null : `${date}T00:00:00Z`;
}

function queryValues(parameters: TPopularityReportParameters): unknown[] {
  return [
    windowBound(parameters.from),
    windowBound(parameters.to),
    parameters.genre ?? null,
    parameters.minRatings,
  ];
}

// $1 from, $2 to (timestamptz or null), $3 genre (or null), $4 m = minRatings.
// C is the mean of ALL ratings in the window, whatever their genre and whether or not
// their album reaches m ratings: it is defined over the window only, and the genre narrows
// which albums are listed, not the baseline they are pulled towards
// (docs/popularity-report.md).
// The ratings are scanned once, into per-album sums; C comes from those sums. (A CTE of
// the window's raw ratings read twice made PostgreSQL materialise millions of rows to temp
// files: twice as slow on 5M ratings, see the worker benchmark in the README.)
const AGGREGATE_CTES = `
  all_albums AS (
    SELECT album_id, count(*) AS v, sum(score) AS score_sum FROM ratings
    WHERE ($1::timestamptz IS NULL OR rated_at >= $1::timestamptz)
      AND ($2::timestamptz IS NULL OR rated_at < $2::timestamptz)
    GROUP BY album_id
  ),
  overall AS (
    SELECT coalesce(sum(v), 0)::numeric AS n, coalesce(sum(score_sum), 0)::numeric AS s FROM all_albums
  ),
  per_album AS (SELECT album_id, v, score_sum FROM all_albums WHERE v >= $4::int)`;

/**
 * The weighted rating `score = v/(v+m)·R + m/(v+m)·C` (docs/popularity-report.md),
 * computed in numeric in the algebraically equal form `(Σscores·N + m·S) / (N·(v+m))`
 * (R = Σscores/v, C = S/N over the N ratings of the window with sum S) so that the only
 * inexact step is a single division carried to at least 16 significant digits before
 * rounding.
 *
 * Rounding: `average_rating` and `score` are rounded to 4 decimals (half away from zero)
 * and printed with exactly 4 decimals. Rows are ordered by the ROUNDED score, then ratings
 * count desc, then album id asc, so the file is ordered exactly as it reads.
 * Genre is matched exactly (case-sensitive), as stored.
 *
 * Every row also carries `total_rows`, the number of rows before LIMIT: the aggregation is
 * done by the time the first row arrives, so the expected total costs nothing extra (a
 * separate count query ran the whole aggregation a second time).
 */
export function buildPopularityQuery(parameters: TPopularityReportParameters): SqlQuery {
  const values = queryValues(parameters);
  const limit = parameters.limit === undefined ? "" : `LIMIT $${values.push(parameters.limit)}::int`;
  const text = `
WITH ${AGGREGATE_CTES},
  scored AS (
    SELECT p.album_id, a.title, ar.name AS artist, a.release_year, a.genre,
           p.v AS ratings_count,
           round(p.score_sum::numeric / p.v, 4) AS average_rating,
           round((p.score_sum * o.n + $4::numeric * o.s) / (o.n * (p.v + $4::numeric)), 4) AS score
    FROM per_album p
    JOIN albums a ON a.id = p.album_id
    JOIN artists ar ON ar.id = a.artist_id
    CROSS JOIN overall o
    WHERE ($3::text IS NULL OR a.genre = $3::text)
  )
SELECT row_number() OVER (ORDER BY score DESC, ratings_count DESC, album_id ASC)::text AS rank,
       album_id, title, artist, release_year, genre,
       ratings_count::text AS ratings_count,
       average_rating::text AS average_rating,
       score::text AS score,
       count(*) OVER ()::int AS total_rows
FROM scored
ORDER BY score DESC, ratings_count DESC, album_id ASC
${limit}`;
  return { text, values };
}
