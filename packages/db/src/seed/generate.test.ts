import { describe, expect, it } from "vitest";
import {
  createRandom,
  FIRST_RELEASE_YEAR,
  generateCatalogue,
  generateRatings,
  LAST_RELEASE_YEAR,
} from "./generate.ts";
import { GENRES } from "./words.ts";

describe("createRandom", () => {
  it("repeats the same stream for the same seed and differs across seeds and streams", () => {
    const draw = (seed: number, stream = 0) => {
      const random = createRandom(seed, stream);
      return Array.from({ length: 5 }, () => random.next());
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
    expect(draw(7, 1)).not.toEqual(draw(7, 2));
  });
});

describe("generateCatalogue", () => {
  it("builds realistic, in-range albums deterministically", () => {
    const catalogue = generateCatalogue({ albums: 500, seed: 3 });
    expect(generateCatalogue({ albums: 500, seed: 3 }).albums).toEqual(catalogue.albums);
    expect(catalogue.albums).toHaveLength(500);
    for (const album of catalogue.albums) {
      expect(album.releaseYear).toBeGreaterThanOrEqual(FIRST_RELEASE_YEAR);
      expect(album.releaseYear).toBeLessThanOrEqual(LAST_RELEASE_YEAR);
      expect(GENRES).toContain(album.genre);
      expect(album.title).not.toMatch(/\d/);
    }
    expect(new Set(catalogue.albums.map((a) => a.title)).size).toBeGreaterThan(400);
    expect(new Set(catalogue.albums.map((a) => a.genre)).size).toBe(GENRES.length);
  });
});

describe("generateRatings", () => {
  const catalogue = generateCatalogue({ albums: 1_000, seed: 11 });
  const ratings = [...generateRatings({ catalogue, ratings: 50_000, seed: 11 })];

  it("emits exactly the requested number of ratings, one per user and album", () => {
    expect(ratings).toHaveLength(50_000);
    expect(new Set(ratings.map((r) => `${r.userId}/${r.albumId}`)).size).toBe(50_000);
  });

  it("scores 1..5, never before release and never after the anchor", () => {
    const releasedAt = new Map(catalogue.albums.map((a) => [a.id, a.releasedAtMs]));
    const invalid = ratings.filter(
      (r) =>
        !Number.isInteger(r.score) ||
        r.score < 1 ||
        r.score > 5 ||
        r.ratedAtMs > catalogue.anchorMs ||
        r.ratedAtMs < releasedAt.get(r.albumId)!,
    );
    expect(invalid).toEqual([]);
  });

  it("correlates an album's average score with its latent quality", () => {
    const sums = new Map<number, { total: number; n: number }>();
    for (const r of ratings) {
      const entry = sums.get(r.albumId) ?? { total: 0, n: 0 };
      entry.total += r.score;
      entry.n++;
      sums.set(r.albumId, entry);
    }
    const pairs = catalogue.albums
      .filter((a) => (sums.get(a.id)?.n ?? 0) >= 20)
      .map((a) => [a.quality, sums.get(a.id)!.total / sums.get(a.id)!.n] as const);
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    const mx = mean(pairs.map((p) => p[0]));
    const my = mean(pairs.map((p) => p[1]));
    const cov = mean(pairs.map(([x, y]) => (x - mx) * (y - my)));
    const sx = Math.sqrt(mean(pairs.map(([x]) => (x - mx) ** 2)));
    const sy = Math.sqrt(mean(pairs.map(([, y]) => (y - my) ** 2)));
    expect(cov / (sx * sy)).toBeGreaterThan(0.7);
  });
});
