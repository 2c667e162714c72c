import { describe, expect, it } from "vitest";
import { POPULARITY_FILE, REPORT_FILES } from "./report-files.ts";
import { ZReportKind } from "./reports.ts";

const REPORT_ID = "0b9d7c1e-6f5a-4e8b-9a51-3f1c2d4e5f60";

describe("report file formats", () => {
  it("describes a file for every report kind", () => {
    expect(Object.keys(REPORT_FILES).sort()).toEqual([...ZReportKind.options].sort());
  });

  it("names the popularity file's columns, blob and download", () => {
    expect(POPULARITY_FILE.columns.join(",")).toBe(
      "rank,album_id,title,artist,release_year,genre,ratings_count,average_rating,score",
    );
    expect(POPULARITY_FILE.contentType).toBe("text/csv; charset=utf-8");
    expect(POPULARITY_FILE.blobName(REPORT_ID)).toBe(`popularity/${REPORT_ID}.csv`);
    expect(POPULARITY_FILE.fileName(REPORT_ID)).toBe("popularity-report-0b9d7c1e.csv");
  });
});
