import { randomUUID } from "node:crypto";
import type { ServiceBusReceivedMessage, ServiceBusReceiver } from "@azure/service-bus";
import {
  EXPORT_REQUESTED_V1,
  type TPopularityReportParametersInput,
  ZPopularityReportParameters,
} from "@reports/contracts";
import { OUTBOX_NOTIFY_CHANNEL } from "@reports/db";
import type pg from "pg";
import { pino } from "pino";
import { escapeCsvField, neutraliseFormula } from "../src/export/csv.ts";

export const silentLog = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  { timeoutMs = 20_000, intervalMs = 100, what = "condition" } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export interface FixtureAlbum {
  id: number;
  title: string;
  artist: string;
  releaseYear: number;
  genre: string;
  /** [score, rated_at ISO] per rating. */
  ratings: Array<[number, string]>;
}

/** Inserts artists, albums and ratings (one artist per album; user ids u<n>). */
export async function insertCatalogue(pool: pg.Pool, albums: FixtureAlbum[]) {
  for (const album of albums) {
    await pool.query("INSERT INTO artists (id, name) VALUES ($1, $2)", [album.id, album.artist]);
    await pool.query(
      "INSERT INTO albums (id, title, artist_id, release_year, genre) VALUES ($1, $2, $1, $3, $4)",
      [album.id, album.title, album.releaseYear, album.genre],
    );
    if (album.ratings.length === 0) continue;
    await pool.query(
      `INSERT INTO ratings (user_id, album_id, score, rated_at)
       SELECT 'u' || n, $1, s, r FROM unnest($2::int[], $3::timestamptz[]) WITH ORDINALITY AS t(s, r, n)`,
      [album.id, album.ratings.map(([score]) => score), album.ratings.map(([, at]) => at)],
    );
  }
}

/** What the web app does when it accepts a request: report row + outbox row + NOTIFY, one transaction. */
export async function acceptReport(
  pool: pg.Pool,
  input: TPopularityReportParametersInput = {},
  { ownerId = "alice" }: { ownerId?: string } = {},
) {
  const reportId = randomUUID();
  const outboxId = randomUUID();
  const parameters = ZPopularityReportParameters.parse(input);
  const payload = {
    type: EXPORT_REQUESTED_V1,
    reportId,
    kind: "popularity",
    ownerId,
    parameters,
    requestedAt: new Date().toISOString(),
  };
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query(
      "INSERT INTO reports (id, kind, owner_id, parameters, status, updated_at) VALUES ($1, 'popularity', $2, $3, 'Pending', now())",
      [reportId, ownerId, JSON.stringify(parameters)],
    );
    await client.query(
      "INSERT INTO outbox_messages (id, type, payload, correlation_id, traceparent) VALUES ($1, $2, $3, $4, $5)",
      [
        outboxId,
        EXPORT_REQUESTED_V1,
        JSON.stringify(payload),
        reportId,
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
      ],
    );
    await client.query("SELECT pg_notify($1, '')", [OUTBOX_NOTIFY_CHANNEL]);
    await client.query("COMMIT");
  } catch (err) {
    await client.query("ROLLBACK");
    throw err;
  } finally {
    client.release();
  }
  return { reportId, outboxId, payload };
}

export interface ReportRow {
  status: string;
  attempts: number;
  progress_rows: number;
  expected_rows: number | null;
  row_count: number | null;
  size_bytes: string | null;
  blob_name: string | null;
  error: string | null;
  error_detail: string | null;
  started_at: Date | null;
  completed_at: Date | null;
}

export async function getReport(pool: pg.Pool, reportId: string): Promise<ReportRow> {
  const { rows } = await pool.query<ReportRow>("SELECT * FROM reports WHERE id = $1", [reportId]);
  if (!rows[0]) throw new Error(`no report ${reportId}`);
  return rows[0];
}

export function waitForStatus(pool: pg.Pool, reportId: string, status: string, timeoutMs = 30_000) {
  return waitFor(
    async () => {
      const report = await getReport(pool, reportId);
      return report.status === status ? report : undefined;
    },
    { timeoutMs, what: `report ${reportId} to be ${status}` },
  );
}

/** Drains a receiver until `count` messages arrived or `idleMs` passed without any. */
export async function receiveAll(receiver: ServiceBusReceiver, { idleMs = 1_500, max = 10_000 } = {}) {
  const messages: ServiceBusReceivedMessage[] = [];
  while (messages.length < max) {
    const batch = await receiver.receiveMessages(200, { maxWaitTimeInMs: idleMs });
    if (batch.length === 0) break;
    for (const message of batch) {
      messages.push(message);
      if (receiver.receiveMode === "peekLock") await receiver.completeMessage(message);
    }
  }
  return messages;
}

// ---------------------------------------------------------------------------------------
// An independent computation of the popularity report, in exact integer arithmetic.

interface RatingRow {
  album_id: number;
  score: number;
  rated_at: Date;
}
interface AlbumRow {
  id: number;
  title: string;
  artist: string;
  release_year: number;
  genre: string;
}

/** round(numerator / denominator, 4) half away from zero, formatted with 4 decimals. */
function fixed4(numerator: bigint, denominator: bigint): string {
  const scaled = (numerator * 10_000n * 2n + denominator) / (2n * denominator);
  const whole = scaled / 10_000n;
  const fraction = (scaled % 10_000n).toString().padStart(4, "0");
  return `${whole}.${fraction}`;
}

/** The weighted rating of docs/popularity-report.md, computed in TypeScript from the raw tables. */
export async function computePopularityCsv(
  pool: pg.Pool,
  input: TPopularityReportParametersInput,
): Promise<string> {
  const parameters = ZPopularityReportParameters.parse(input);
  const ratings = (await pool.query<RatingRow>("SELECT album_id, score, rated_at FROM ratings")).rows;
  const albums = new Map(
    (
      await pool.query<AlbumRow>(
        "SELECT a.id, a.title, ar.name AS artist, a.release_year, a.genre FROM albums a JOIN artists ar ON ar.id = a.artist_id",
      )
    ).rows.map((album) => [album.id, album]),
  );
  const from = parameters.from ? Date.parse(`${parameters.from}T00:00:00Z`) : Number.NEGATIVE_INFINITY;
  const to = parameters.to ? Date.parse(`${parameters.to}T00:00:00Z`) : Number.POSITIVE_INFINITY;
  const windowed = ratings.filter((r) => r.rated_at.getTime() >= from && r.rated_at.getTime() < to);
  const n = BigInt(windowed.length);
  const s = windowed.reduce((sum, r) => sum + BigInt(r.score), 0n);
  const perAlbum = new Map<number, { v: bigint; sum: bigint }>();
  for (const r of windowed) {
    const entry = perAlbum.get(r.album_id) ?? { v: 0n, sum: 0n };
    entry.v += 1n;
    entry.sum += BigInt(r.score);
    perAlbum.set(r.album_id, entry);
  }
  const m = BigInt(parameters.minRatings);
  const rows = [...perAlbum.entries()]
    .filter(
      ([id, { v }]) =>
        v >= m && (parameters.genre === undefined || albums.get(id)?.genre === parameters.genre),
    )
    .map(([id, { v, sum }]) => ({
      id,
      v,
      // score = v/(v+m)·(sum/v) + m/(v+m)·(s/n) = (sum·n + m·s) / (n·(v+m))
      score: fixed4(sum * n + m * s, n * (v + m)),
      average: fixed4(sum, v),
    }))
    .sort((a, b) => {
      const byScore = Number(b.score) - Number(a.score);
      if (byScore !== 0) return byScore;
      if (a.v !== b.v) return a.v > b.v ? -1 : 1;
      return a.id - b.id;
    })
    .slice(0, parameters.limit ?? Number.POSITIVE_INFINITY);
  const text = (value: string) => escapeCsvField(neutraliseFormula(value));
  const lines = ["rank,album_id,title,artist,release_year,genre,ratings_count,average_rating,score"];
  rows.forEach((row, index) => {
    const album = albums.get(row.id)!;
    lines.push(
      [
        index + 1,
        row.id,
        text(album.title),
        text(album.artist),
        album.release_year,
        text(album.genre),
        row.v,
        row.average,
        row.score,
      ].join(","),
    );
  });
  return `${lines.join("\r\n")}\r\n`;
}

/** Every message currently in the queue (or its dead-letter queue), without settling any. */
export async function peekAll(
  serviceBus: import("@azure/service-bus").ServiceBusClient,
  queue: string,
  subQueueType?: "deadLetter",
) {
  const receiver = serviceBus.createReceiver(queue, subQueueType ? { subQueueType } : {});
  try {
    return await receiver.peekMessages(1_000);
  } finally {
    await receiver.close();
  }
}
