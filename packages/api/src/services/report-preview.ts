import {
  POPULARITY_FILE,
  type TGetReportPreviewInput,
  type TPopularityColumn,
  type TPopularityPreviewRow,
  type TReportPreview,
  ZGetReportPreviewInput,
} from "@reports/contracts";
import type { Db } from "@reports/db";
import type { AuthUser } from "../auth.ts";
import type { DownloadUrlSigner } from "../download-url.ts";
import { AppError, parseInput } from "../errors.ts";
import { parseCsvRecords } from "./csv-records.ts";
import { getOwnedReportOrThrow, mintDownloadUrl } from "./reports.ts";

/** Rows a preview shows: the top ten albums. */
export const REPORT_PREVIEW_ROWS = 10;

// Ten rows of the popularity CSV are well under 4 KiB even with long titles; 64 KiB leaves
// room for pathological ones while never reading a large file whole.
const PREVIEW_BYTES = 64 * 1024;

export interface GetReportPreviewArgs {
  db: Db;
  signer: DownloadUrlSigner;
  user: AuthUser;
  input: TGetReportPreviewInput;
  /** For tests. */
  fetch?: typeof fetch;
}

function toNumber(value: string | undefined): number {
  const number = Number(value);
  if (value === undefined || value.trim() === "" || !Number.isFinite(number)) {
    throw new AppError("INTERNAL", `unexpected number in the report file: ${JSON.stringify(value)}`);
  }
  return number;
}

/** A data record of the popularity file, its cells looked up by column name. */
export type PopularityRecord = (column: TPopularityColumn) => string | undefined;

/**
 * Reads a popularity file's header record: where each of POPULARITY_FILE's columns is. A
 * file missing one of them is not a popularity report (or one of another version).
 */
export function readPopularityHeader(
  header: readonly string[],
): (record: readonly string[]) => PopularityRecord {
  const index = new Map(header.map((name, position) => [name, position]));
  const missing = POPULARITY_FILE.columns.filter((column) => !index.has(column));
  if (missing.length > 0) {
    throw new AppError("INTERNAL", `the report file has no ${missing.join(", ")} column`);
  }
  return (record) => (column) => record[index.get(column)!];
}

/** Maps a data record of the popularity file to a typed row (text kept as it is in the file). */
export function toPreviewRow(cell: PopularityRecord): TPopularityPreviewRow {
  const releaseYear = cell("release_year");
  return {
    rank: toNumber(cell("rank")),
    albumId: toNumber(cell("album_id")),
    title: cell("title") ?? "",
    artist: cell("artist") ?? "",
    releaseYear: releaseYear ? toNumber(releaseYear) : null,
    genre: cell("genre") ?? "",
    ratingsCount: toNumber(cell("ratings_count")),
    averageRating: toNumber(cell("average_rating")),
    score: toNumber(cell("score")),
  };
}

/**
 * The top rows of a Completed report, read from the real file in Blob Storage and parsed
 * here. It reads through the same short-lived read-only link a download uses, with a Range
 * request for the first bytes only: no extra Storage permission, and a large file is never
 * read whole. Someone else's report answers like an unknown one (404).
 */
export async function getReportPreview({
  db,
  signer,
  user,
  input,
  fetch: fetchImpl = fetch,
}: GetReportPreviewArgs): Promise<TReportPreview> {
  const { reportId } = parseInput(ZGetReportPreviewInput, input);
  const row = await getOwnedReportOrThrow(db, user, reportId);
  const url = await mintDownloadUrl(signer, row);
  if (!url) {
    throw new AppError("CONFLICT", "The report has no file yet; a preview exists once it is Completed.");
  }
  const response = await fetchImpl(url, { headers: { range: `bytes=0-${PREVIEW_BYTES - 1}` } });
  if (response.status === 404) {
    throw new AppError("NOT_FOUND", "The report's file is no longer in storage; generate the report again.");
  }
  if (!response.ok) {
    throw new AppError("UNAVAILABLE", "The report file could not be read from storage; retry later.", {
      cause: new Error(`blob read answered ${response.status}`),
    });
  }
  const text = await response.text();
  // 200 = the whole file; 206 = a prefix, unless the range covered everything.
  const contentRange = response.headers.get("content-range");
  const total = contentRange ? Number(contentRange.split("/")[1]) : Number.NaN;
  const complete = response.status === 200 || (Number.isFinite(total) && total <= PREVIEW_BYTES);
  const [header, ...data] = parseCsvRecords(text.replace(/^\uFEFF/, ""), {
    maxRecords: REPORT_PREVIEW_ROWS + 1,
    complete,
  });
  if (!header) throw new AppError("INTERNAL", "the report file is empty");
  const readRecord = readPopularityHeader(header);
  return {
    reportId: row.id,
    rows: data.map((record) => toPreviewRow(readRecord(record))),
    totalRows: row.rowCount ?? data.length,
  };
}
