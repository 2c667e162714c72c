import { z } from "zod";

/** The catalogue's genres, for the dashboard's genre select (sorted, distinct). */
export const ZGenreList = z.object({ genres: z.array(z.string()) });
export type TGenreList = z.infer<typeof ZGenreList>;

/** Input of the report preview: which report. */
export const ZGetReportPreviewInput = z.object({ reportId: z.uuid() });
export type TGetReportPreviewInput = z.infer<typeof ZGetReportPreviewInput>;

/** One row of a popularity report's CSV, typed. */
export const ZPopularityPreviewRow = z.object({
  rank: z.number().int(),
  albumId: z.number().int(),
  title: z.string(),
  artist: z.string(),
  releaseYear: z.number().int().nullable(),
  genre: z.string(),
  ratingsCount: z.number().int(),
  averageRating: z.number(),
  score: z.number(),
});
export type TPopularityPreviewRow = z.infer<typeof ZPopularityPreviewRow>;

/** The first rows of a completed report's file, read from Blob Storage and parsed server-side. */
export const ZReportPreview = z.object({
  reportId: z.uuid(),
  rows: z.array(ZPopularityPreviewRow),
  /** Rows in the whole file (the report's rowCount). */
  totalRows: z.number().int().nonnegative(),
});
export type TReportPreview = z.infer<typeof ZReportPreview>;
