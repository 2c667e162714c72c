import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CatalogueNotEmptyError, isCatalogueEmpty, type SeedProgress, seedCatalogue } from "./seed.ts";
import { createTestDatabase, type TestDatabase } from "./testing.ts";

async function fingerprint(test: TestDatabase): Promise<string> {
  const { rows } = await test.db.pool.query<{ md5: string }>(
    `SELECT md5(
       (SELECT string_agg(concat_ws(',', id, name, country), ';' ORDER BY id) FROM artists) ||
       (SELECT string_agg(concat_ws(',', id, title, artist_id, release_year, genre), ';' ORDER BY id) FROM albums) ||
       (SELECT string_agg(concat_ws(',', user_id, album_id, score, (extract(epoch FROM rated_at) * 1000)::bigint),
                          ';' ORDER BY user_id, album_id) FROM ratings)) AS md5`,
  );
  return rows[0]!.md5;
}

describe("seedCatalogue", () => {
  let first: TestDatabase;
  let second: TestDatabase;

  beforeAll(async () => {
    [first, second] = await Promise.all([
      createTestDatabase({ name: "seed_a" }),
      createTestDatabase({ name: "seed_b" }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([first?.drop(), second?.drop()]);
  });

  it("loads the same rows for the same seed, reporting progress", async () => {
    expect(await isCatalogueEmpty(first.db.pool)).toBe(true);
    const progress: SeedProgress[] = [];
    const result = await seedCatalogue({
      pool: first.db.pool,
      albums: 600,
      ratings: 60_000,
      seed: 42,
      onProgress: (p) => progress.push(p),
    });
    await seedCatalogue({ pool: second.db.pool, albums: 600, ratings: 60_000, seed: 42 });

    expect(result).toMatchObject({ albums: 600, ratings: 60_000 });
    expect(result.ratingsPerSecond).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatchObject({ table: "ratings", rows: 60_000, total: 60_000 });
    expect(await isCatalogueEmpty(first.db.pool)).toBe(false);
    expect(await fingerprint(first)).toBe(await fingerprint(second));
  });

  it("puts a large share of ratings on the top 1% of albums (long tail)", async () => {
    const { rows } = await first.db.pool.query<{ share: number }>(
      `WITH per_album AS (SELECT count(*) AS n FROM ratings GROUP BY album_id),
            ranked AS (SELECT n, row_number() OVER (ORDER BY n DESC) AS rank, count(*) OVER () AS albums FROM per_album)
       SELECT (sum(n) FILTER (WHERE rank <= greatest(albums / 100, 1)))::float8 / sum(n) AS share FROM ranked`,
    );
    // a uniform spread would give the top 1% about 1%
    expect(rows[0]!.share).toBeGreaterThan(0.15);
  });

  it("keeps the schema intact: the load-time drops of indexes and the foreign key are restored", async () => {
    const { rows } = await first.db.pool.query<{ name: string }>(
      `SELECT indexname AS name FROM pg_indexes WHERE tablename = 'ratings'
       UNION ALL SELECT conname FROM pg_constraint
        WHERE conrelid = 'ratings'::regclass AND contype IN ('p', 'f', 'c') ORDER BY 1`,
    );
    expect(rows.map((r) => r.name)).toEqual([
      "ratings_album_id_fkey",
      "ratings_album_id_rated_at_idx",
      "ratings_pkey",
      "ratings_pkey",
      "ratings_rated_at_idx",
      "ratings_score_check",
    ]);
    // sequences continue after the explicit ids
    const artist = await first.db.prisma.artist.create({ data: { name: "New Artist" } });
    expect(artist.id).toBeGreaterThan(200);
  });

  it("spreads ratings over several years and stores no out-of-range rows", async () => {
    const { rows } = await first.db.pool.query<{ years: number; bad: string }>(
      `SELECT (extract(epoch FROM max(rated_at) - min(rated_at)) / 31557600)::float8 AS years,
              count(*) FILTER (WHERE score NOT BETWEEN 1 AND 5) AS bad FROM ratings`,
    );
    expect(rows[0]!.years).toBeGreaterThan(4);
    expect(rows[0]!.bad).toBe("0");
  });

  it("refuses to seed a non-empty catalogue unless reset, and reset replaces it", async () => {
    await expect(
      seedCatalogue({ pool: second.db.pool, albums: 10, ratings: 100, seed: 1 }),
    ).rejects.toBeInstanceOf(CatalogueNotEmptyError);
    await seedCatalogue({ pool: second.db.pool, albums: 10, ratings: 100, seed: 1, reset: true });
    const { rows } = await second.db.pool.query<{ albums: string; ratings: string }>(
      "SELECT (SELECT count(*) FROM albums) AS albums, (SELECT count(*) FROM ratings) AS ratings",
    );
    expect(rows[0]).toEqual({ albums: "10", ratings: "100" });
  });
});
