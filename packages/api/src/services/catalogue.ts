import type { TGenreList } from "@reports/contracts";
import type { Db } from "@reports/db";
import { AppError } from "../errors.ts";

export interface ListGenresArgs {
  db: Db;
}

/**
 * The catalogue's distinct genres in the database's order. A loose index scan over the
 * albums' genre index (each step asks for the next genre after the last): one probe per
 * genre instead of reading every album.
 */
async function distinctGenres(db: Db): Promise<string[]> {
  const { rows } = await db.pool.query<{ genre: string }>(
    `WITH RECURSIVE genres(genre) AS (
       SELECT min(genre) FROM albums
       UNION ALL
       SELECT (SELECT min(a.genre) FROM albums a WHERE a.genre > genres.genre)
         FROM genres WHERE genres.genre IS NOT NULL
     )
     SELECT genre FROM genres WHERE genre IS NOT NULL`,
  );
  return rows.map((row) => row.genre);
}

/** The catalogue's distinct genres, alphabetically: what the report's `genre` can usefully be. */
export async function listGenres({ db }: ListGenresArgs): Promise<TGenreList> {
  return { genres: await distinctGenres(db) };
}

/**
 * The catalogue's spelling of a requested genre, whatever its letter case ("jazz" is Jazz).
 * A genre the catalogue does not have is a 400 naming the ones it has: a report on it would
 * be empty, and the caller more likely mistyped it.
 */
export async function resolveGenre(db: Db, requested: string, field: string): Promise<string> {
  const genres = await distinctGenres(db);
  if (genres.includes(requested)) return requested;
  const matches = genres.filter((genre) => genre.toLowerCase() === requested.toLowerCase());
  if (matches.length === 1) return matches[0]!;
  const known = genres.length > 0 ? genres.join(", ") : "none: the catalogue is empty";
  const message = `Unknown genre ${JSON.stringify(requested)}. Known genres: ${known}.`;
  throw new AppError("BAD_REQUEST", message, { fieldErrors: [{ field, message }] });
}
