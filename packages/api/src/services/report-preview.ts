import {
  type TGetReportPreviewInput,
  type TPopularityPreviewRow,
  type TReportPreview,
  ZGetReportPreviewInput,
} from "@reports/contracts";
import type { Db } from "@reports/db";
import type { AuthUser } from "../auth.ts";
import { type DownloadUrlSigner, reportFileName } from "../download-url.ts";
import { AppError, parseInput } from "../errors.ts";
import { parseCsvRecords } from "./csv-records.ts";

/** Rows a preview shows: the top ten albums. */
export const REPORT_PREVIEW_ROWS = 10;

// Ten rows of the popularity CSV are well under 4 KiB even with long titles; 64 KiB leaves
// room for pathological ones while never reading a large file whole.
const PREVIEW_BYTES = 64 * 1024;

const EXPECTED_HEADER = [
  "rank",
  "album_id",
  "title",
  "artist",
  "release_year",
  "genre",
  "ratings_count",
  "average_rating",
  "score",
];

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

/** Maps a data record of the popularity CSV (columns fixed by the brief) to a typed row. */
export function toPreviewRow(record: string[]): TPopularityPreviewRow {
  const [rank, albumId, title, artist, releaseYear, genre, ratingsCount, averageRating, score] = record;
  return {
    rank: toNumber(rank),
    albumId: toNumber(albumId),
    title: title ?? "",
    artist: artist ?? "",
    releaseYear: releaseYear ? toNumber(releaseYear) : null,
    genre: genre ?? "",
    ratingsCount: toNumber(ratingsCount),
    averageRating: toNumber(averageRating),
    score: toNumber(score),
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
  const row = await db.prisma.report.findFirst({
    where: { id: reportId, ownerId: user.userId },
    select: { id: true, status: true, blobName: true, rowCount: true },
  });
  if (!row) throw new AppError("NOT_FOUND", `Report ${reportId} does not exist.`);
  if (row.status !== "Completed" || !row.blobName) {
    throw new AppError("CONFLICT", "The report has no file yet; a preview exists once it is Completed.");
  }
  const url = await signer.createDownloadUrl({ blobName: row.blobName, fileName: reportFileName(row.id) });
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
  const records = parseCsvRecords(text.replace(/^\uFEFF/, ""), {
    maxRecords: REPORT_PREVIEW_ROWS + 1,
    complete,
  });
  const [header, ...data] = records;
  if (!header || header.join(",") !== EXPECTED_HEADER.join(",")) {
    throw new AppError("INTERNAL", "the report file does not start with the expected header");
  }
  return { reportId: row.id, rows: data.map(toPreviewRow), totalRows: row.rowCount ?? data.length };
}
