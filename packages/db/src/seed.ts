import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import copyStreams from "pg-copy-streams";
import { generateCatalogue, generateRatings } from "./seed/generate.ts";

export const DEFAULT_SEED_ALBUMS = 3_000;
export const DEFAULT_SEED_RATINGS = 300_000;
export const DEFAULT_SEED = 1;

export interface SeedProgress {
  table: "artists" | "albums" | "ratings";
  rows: number;
  total: number;
  elapsedMs: number;
}

export interface SeedCatalogueOptions {
  pool: pg.Pool;
  albums?: number;
  ratings?: number;
  seed?: number;
  /** Empty artists, albums and ratings first; without it a non-empty catalogue is refused. */
  reset?: boolean;
  onProgress?: (progress: SeedProgress) => void;
}

export interface SeedResult {
  artists: number;
  albums: number;
  ratings: number;
  elapsedMs: number;
  /** Ratings loaded per second, including index builds and commit. */
  ratingsPerSecond: number;
}

/** Raised when seeding would mix generated rows into an existing catalogue. */
export class CatalogueNotEmptyError extends Error {
  constructor() {
    super("The catalogue (artists/albums/ratings) is not empty; pass --reset (reset: true) to replace it.");
    this.name = "CatalogueNotEmptyError";
  }
}

/** True when there are no artists, albums or ratings (the local stack then seeds). */
export async function isCatalogueEmpty(pool: pg.Pool | pg.PoolClient): Promise<boolean> {
  const { rows } = await pool.query<{ empty: boolean }>(
    `SELECT NOT EXISTS (SELECT 1 FROM artists) AND NOT EXISTS (SELECT 1 FROM albums)
        AND NOT EXISTS (SELECT 1 FROM ratings) AS empty`,
  );
  return rows[0]!.empty;
}

// Dropped for the load and rebuilt after it, inside the same transaction: one sort per index
// is far cheaper than millions of random B-tree inserts, and one join validating the foreign
// key beats a queued per-row RI trigger (which COPY fires at the end of the statement).
// Definitions mirror the init migration exactly.
const RATING_LOAD_DROPS = [
  'ALTER TABLE "ratings" DROP CONSTRAINT IF EXISTS "ratings_album_id_fkey"',
  'DROP INDEX IF EXISTS "ratings_album_id_rated_at_idx"',
  'DROP INDEX IF EXISTS "ratings_rated_at_idx"',
];
const RATING_LOAD_RESTORES = [
  'CREATE INDEX "ratings_album_id_rated_at_idx" ON "ratings"("album_id", "rated_at")',
  'CREATE INDEX "ratings_rated_at_idx" ON "ratings"("rated_at")',
  'ALTER TABLE "ratings" ADD CONSTRAINT "ratings_album_id_fkey" FOREIGN KEY ("album_id") REFERENCES "albums"("id") ON DELETE CASCADE ON UPDATE CASCADE',
];

/** Rows batched into one chunk written to the COPY stream. */
const CHUNK_ROWS = 2_000;
const PROGRESS_EVERY = 250_000;

/** COPY text format: escape the characters that would break a field. */
function copyText(value: string): string {
  return value.replace(/[\\\t\n\r]/g, (c) =>
    c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r",
  );
}

async function copyRows(client: pg.PoolClient, sql: string, chunks: Iterable<string>) {
  await pipeline(Readable.from(chunks, { objectMode: false }), client.query(copyStreams.from(sql)));
}

function* inChunks<T>(rows: Iterable<T>, format: (row: T) => string, onRow?: (count: number) => void) {
  let buffer = "";
  let inBuffer = 0;
  let count = 0;
  for (const row of rows) {
    buffer += format(row);
    inBuffer++;
    count++;
    onRow?.(count);
    if (inBuffer === CHUNK_ROWS) {
      yield buffer;
      buffer = "";
      inBuffer = 0;
    }
  }
  if (buffer) yield buffer;
}

/**
 * Loads a deterministic sample catalogue (same arguments => same rows) with COPY, streaming
 * generated rows so millions of ratings never sit in memory. Runs in one transaction: a
 * failed load leaves the catalogue as it was.
 */
export async function seedCatalogue(options: SeedCatalogueOptions): Promise<SeedResult> {
  const albums = options.albums ?? DEFAULT_SEED_ALBUMS;
  const ratings = options.ratings ?? DEFAULT_SEED_RATINGS;
  const seed = options.seed ?? DEFAULT_SEED;
  const report = options.onProgress ?? (() => {});
  const started = Date.now();
  const elapsed = () => Date.now() - started;

  const catalogue = generateCatalogue({ albums, seed });
  const client = await options.pool.connect();
  try {
    await client.query("BEGIN");
    // Serialise concurrent seeders (two stacks starting at once) on the emptiness check.
    await client.query("LOCK TABLE artists, albums, ratings IN EXCLUSIVE MODE");
    if (options.reset) {
      await client.query("TRUNCATE ratings, albums, artists RESTART IDENTITY");
    } else if (!(await isCatalogueEmpty(client))) {
      throw new CatalogueNotEmptyError();
    }

    await copyRows(
      client,
      "COPY artists (id, name, country) FROM STDIN",
      inChunks(catalogue.artists, (a) => `${a.id}\t${copyText(a.name)}\t${a.country}\n`),
    );
    report({
      table: "artists",
      rows: catalogue.artists.length,
      total: catalogue.artists.length,
      elapsedMs: elapsed(),
    });
    await copyRows(
      client,
      "COPY albums (id, title, artist_id, release_year, genre) FROM STDIN",
      inChunks(
        catalogue.albums,
        (a) => `${a.id}\t${copyText(a.title)}\t${a.artistId}\t${a.releaseYear}\t${copyText(a.genre)}\n`,
      ),
    );
    report({ table: "albums", rows: albums, total: albums, elapsedMs: elapsed() });
    // Ids were supplied explicitly, so move the SERIAL sequences past them.
    await client.query(
      `SELECT setval(pg_get_serial_sequence('artists', 'id'), GREATEST((SELECT max(id) FROM artists), 1)),
              setval(pg_get_serial_sequence('albums', 'id'), GREATEST((SELECT max(id) FROM albums), 1))`,
    );

    for (const statement of RATING_LOAD_DROPS) await client.query(statement);
    await copyRows(
      client,
      "COPY ratings (user_id, album_id, score, rated_at) FROM STDIN",
      inChunks(
        generateRatings({ catalogue, ratings, seed }),
        (r) => `${r.userId}\t${r.albumId}\t${r.score}\t${new Date(r.ratedAtMs).toISOString()}\n`,
        (count) => {
          if (count % PROGRESS_EVERY === 0)
            report({ table: "ratings", rows: count, total: ratings, elapsedMs: elapsed() });
        },
      ),
    );
    if (ratings % PROGRESS_EVERY !== 0)
      report({ table: "ratings", rows: ratings, total: ratings, elapsedMs: elapsed() });
    // More sort memory for the index builds (this transaction only).
    await client.query("SET LOCAL maintenance_work_mem = '256MB'");
    for (const statement of RATING_LOAD_RESTORES) await client.query(statement);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
  // Fresh statistics so the export query plans well straight away.
  await options.pool.query("ANALYZE artists, albums, ratings");
  const elapsedMs = elapsed();
  return {
    artists: catalogue.artists.length,
    albums,
    ratings,
    elapsedMs,
    ratingsPerSecond: Math.round(ratings / Math.max(elapsedMs / 1000, 0.001)),
  };
}
