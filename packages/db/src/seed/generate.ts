import {
  ADJECTIVES,
  COUNTRIES,
  FIRST_NAMES,
  GENRES,
  LAST_NAMES,
  NOUNS,
  PLACES,
  PLURAL_NOUNS,
  VERBS,
} from "./words.ts";

/** A small, fast, seedable PRNG (sfc32 seeded through splitmix32): same seed, same stream. */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
  pick<T>(items: readonly T[]): T;
}

function splitmix32(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** `stream` separates independent sequences drawn from the same seed. */
export function createRandom(seed: number, stream = 0): Random {
  const init = splitmix32((seed * 0x27d4eb2d) ^ (stream * 0x165667b1));
  let a = init();
  let b = init();
  let c = init();
  let d = init();
  const next = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  let spare: number | undefined;
  return {
    next,
    int: (n) => Math.floor(next() * n),
    normal() {
      if (spare !== undefined) {
        const value = spare;
        spare = undefined;
        return value;
      }
      const u = 1 - next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    pick: (items) => items[Math.floor(next() * items.length)]!,
  };
}

export interface SeedArtist {
  id: number;
  name: string;
  country: string;
}

export interface SeedAlbum {
  id: number;
  title: string;
  artistId: number;
  releaseYear: number;
  genre: string;
  /** Latent quality (mean score before noise), roughly 2..4.8. */
  quality: number;
  /** Earliest rated_at (ms): the album cannot be rated before it was released. */
  releasedAtMs: number;
}

export interface Catalogue {
  artists: SeedArtist[];
  albums: SeedAlbum[];
  /** Cumulative Zipf weights over `albums`, for picking which album a rating is for. */
  cumulativeWeights: Float64Array;
  /** End of the rating window (ms), fixed per seed so the data is reproducible. */
  anchorMs: number;
}

export const FIRST_RELEASE_YEAR = 1960;
export const LAST_RELEASE_YEAR = 2025;
/** Ratings span this many years before the anchor. */
export const RATING_YEARS = 6;
/** Zipf exponent: with 3,000 albums the top 1% draw roughly 40% of all picks. */
const ZIPF_EXPONENT = 1.05;
const DAY_MS = 86_400_000;

function artistName(random: Random): string {
  switch (random.int(6)) {
    case 0:
      return `The ${random.pick(ADJECTIVES)} ${random.pick(PLURAL_NOUNS)}`;
    case 1:
      return `${random.pick(FIRST_NAMES)} ${random.pick(LAST_NAMES)}`;
    case 2:
      return `${random.pick(ADJECTIVES)} ${random.pick(NOUNS)}`;
    case 3:
      return `${random.pick(FIRST_NAMES)} ${random.pick(LAST_NAMES)} & the ${random.pick(PLURAL_NOUNS)}`;
    case 4:
      return `${random.pick(NOUNS)} of ${random.pick(PLACES)}`;
    default:
      return `The ${random.pick(PLURAL_NOUNS)}`;
  }
}

function albumTitle(random: Random): string {
  switch (random.int(7)) {
    case 0:
      return `${random.pick(ADJECTIVES)} ${random.pick(NOUNS)}`;
    case 1:
      return `${random.pick(NOUNS)}s in ${random.pick(PLACES)}`;
    case 2:
      return `The ${random.pick(NOUNS)} ${random.pick(NOUNS)}`;
    case 3:
      return `${random.pick(VERBS)} ${random.pick(ADJECTIVES)} ${random.pick(PLURAL_NOUNS)}`;
    case 4:
      return `${random.pick(VERBS)} the ${random.pick(NOUNS)}`;
    case 5:
      return `Songs from ${random.pick(PLACES)}`;
    default:
      return `${random.pick(ADJECTIVES)} ${random.pick(ADJECTIVES)} ${random.pick(NOUNS)}`;
  }
}

/** Artists, albums with latent quality, and the long-tailed popularity of each album. */
export function generateCatalogue({ albums, seed }: { albums: number; seed: number }): Catalogue {
  const random = createRandom(seed, 1);
  // A fixed end date per seed (early autumn 2026 minus up to a month) instead of Date.now():
  // the same arguments must produce the same rows whenever they run.
  const anchorMs = Date.UTC(2026, 8, 30) - createRandom(seed, 9).int(30) * DAY_MS;

  const artists: SeedArtist[] = [];
  const albumRows: SeedAlbum[] = [];
  const artistCount = Math.max(1, Math.round(albums / 3));
  for (let id = 1; id <= artistCount; id++) {
    artists.push({ id, name: artistName(random), country: random.pick(COUNTRIES) });
  }
  // Each artist keeps a home genre and a career start; most of their albums follow it.
  const homeGenre = artists.map(() => random.pick(GENRES));
  const careerStart = artists.map(
    () => FIRST_RELEASE_YEAR + random.int(LAST_RELEASE_YEAR - FIRST_RELEASE_YEAR),
  );
  const talent = artists.map(() => random.normal() * 0.45);
  for (let id = 1; id <= albums; id++) {
    const artistIndex = id <= artistCount ? id - 1 : random.int(artistCount);
    const releaseYear = Math.min(LAST_RELEASE_YEAR, careerStart[artistIndex]! + random.int(15));
    const quality = Math.min(4.8, Math.max(1.8, 3.2 + talent[artistIndex]! + random.normal() * 0.45));
    albumRows.push({
      id,
      title: albumTitle(random),
      artistId: artistIndex + 1,
      releaseYear,
      genre: random.next() < 0.8 ? homeGenre[artistIndex]! : random.pick(GENRES),
      quality,
      releasedAtMs: Date.UTC(releaseYear, random.int(12), 1 + random.int(28)),
    });
  }

  // Popularity rank loosely follows quality (good albums get heard more), then Zipf weights.
  const order = albumRows
    .map((album, index) => ({ index, key: album.quality + random.normal() * 0.6 }))
    .sort((x, y) => y.key - x.key);
  const weights = new Float64Array(albums);
  order.forEach(({ index }, rank) => {
    weights[index] = 1 / (rank + 1) ** ZIPF_EXPONENT;
  });
  const cumulativeWeights = new Float64Array(albums);
  let total = 0;
  for (let i = 0; i < albums; i++) {
    total += weights[i]!;
    cumulativeWeights[i] = total;
  }
  return { artists, albums: albumRows, cumulativeWeights, anchorMs };
}

function pickAlbumIndex(catalogue: Catalogue, random: Random): number {
  const weights = catalogue.cumulativeWeights;
  const target = random.next() * weights[weights.length - 1]!;
  let low = 0;
  let high = weights.length - 1;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (weights[mid]! > target) high = mid;
    else low = mid + 1;
  }
  return low;
}

export interface SeedRating {
  userId: string;
  albumId: number;
  score: number;
  ratedAtMs: number;
}

/**
 * Streams exactly `ratings` ratings, user by user (so memory stays flat for millions): each
 * user rates a heavy-tailed number of distinct albums picked by popularity, scoring around
 * the album's quality plus a personal bias, at times skewed towards the recent end.
 */
export function* generateRatings({
  catalogue,
  ratings,
  seed,
}: {
  catalogue: Catalogue;
  ratings: number;
  seed: number;
}): Generator<SeedRating> {
  const random = createRandom(seed, 2);
  const albumCount = catalogue.albums.length;
  if (albumCount === 0 || ratings <= 0) return;
  const windowStart = catalogue.anchorMs - RATING_YEARS * 365.25 * DAY_MS;
  const maxPerUser = Math.max(1, Math.min(1000, Math.floor(albumCount / 2)));
  let emitted = 0;
  let user = 0;
  const seen = new Set<number>();
  while (emitted < ratings) {
    user++;
    const userId = `user-${user.toString().padStart(7, "0")}`;
    const wanted = Math.min(maxPerUser, Math.max(1, Math.round(Math.exp(2.5 + random.normal()))));
    const bias = random.normal() * 0.4;
    seen.clear();
    for (let tries = 0; seen.size < wanted && tries < wanted * 20 && emitted < ratings; tries++) {
      const index = pickAlbumIndex(catalogue, random);
      if (seen.has(index)) continue;
      seen.add(index);
      const album = catalogue.albums[index]!;
      const score = Math.min(5, Math.max(1, Math.round(album.quality + bias + random.normal() * 0.8)));
      const from = Math.max(windowStart, album.releasedAtMs);
      const ratedAtMs = Math.round(catalogue.anchorMs - (catalogue.anchorMs - from) * random.next() ** 1.6);
      emitted++;
      yield { userId, albumId: album.id, score, ratedAtMs };
    }
  }
}
