import type { TPopularityReportParameters } from "@reports/contracts";
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
}

/** The brief's columns, in order. Text columns are user data and formula-neutralised. */
export const POPULARITY_CSV_COLUMNS: ReadonlyArray<CsvColumn<PopularityRow>> = [
  { header: "rank", value: (row) => row.rank },
  { header: "album_id", value: (row) => row.album_id },
  { header: "title", value: (row) => row.title, text: true },
  { header: "artist", value: (row) => row.artist, text: true },
  { header: "release_year", value: (row) => row.release_year },
  { header: "genre", value: (row) => row.genre, text: true },
  { header: "ratings_count", value: (row) => row.ratings_count },
  { header: "average_rating", value: (row) => row.average_rating },
  { header: "score", value: (row) => row.score },
];

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
// their album reaches m ratings: the brief defines it over the window only, and the genre
// narrows which albums are listed, not the baseline they are pulled towards.
const WINDOWED_CTES = `
  windowed AS (
    SELECT album_id, score FROM ratings
    WHERE ($1::timestamptz IS NULL OR rated_at >= $1::timestamptz)
      AND ($2::timestamptz IS NULL OR rated_at < $2::timestamptz)
  ),
  per_album AS (
    SELECT album_id, count(*) AS v, sum(score) AS score_sum
    FROM windowed
    GROUP BY album_id
    HAVING count(*) >= $4::int
  )`;

/**
 * The weighted rating of the brief, `score = v/(v+m)·R + m/(v+m)·C`, computed in numeric
 * in the algebraically equal form `(Σscores·N + m·S) / (N·(v+m))` (R = Σscores/v,
 * C = S/N over the N ratings of the window with sum S) so that the only inexact step is a
 * single division carried to at least 16 significant digits before rounding.
 *
 * Rounding: `average_rating` and `score` are rounded to 4 decimals (half away from zero)
 * and printed with exactly 4 decimals. Rows are ordered by the ROUNDED score, then ratings
 * count desc, then album id asc, so the file is ordered exactly as it reads.
 * Genre is matched exactly (case-sensitive), as stored.
 */
export function buildPopularityQuery(parameters: TPopularityReportParameters): SqlQuery {
  const values = queryValues(parameters);
  const limit = parameters.limit === undefined ? "" : `LIMIT $${values.push(parameters.limit)}::int`;
  const text = `
WITH ${WINDOWED_CTES},
  overall AS (SELECT count(*)::numeric AS n, coalesce(sum(score), 0)::numeric AS s FROM windowed),
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
       score::text AS score
FROM scored
ORDER BY score DESC, ratings_count DESC, album_id ASC
${limit}`;
  return { text, values };
}

/**
 * How many rows the export will write (same filters, no scoring), for progress. Run it in
 * the same REPEATABLE READ transaction as the export so both see one snapshot.
 */
export function buildPopularityCountQuery(parameters: TPopularityReportParameters): SqlQuery {
  const values = queryValues(parameters);
  const text = `
WITH ${WINDOWED_CTES}
SELECT count(*)::int AS count
FROM per_album p
JOIN albums a ON a.id = p.album_id
WHERE ($3::text IS NULL OR a.genre = $3::text)`;
  return { text, values };
}
