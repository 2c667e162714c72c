import { POPULARITY_FILE } from "@reports/contracts";
import { describe, expect, it } from "vitest";
import { AppError } from "../errors.ts";
import { readPopularityHeader, toPreviewRow } from "./report-preview.ts";

const HEADER = [...POPULARITY_FILE.columns];

describe("reading the popularity file back", () => {
  it("types a record, keeping neutralised text as it is in the file", () => {
    const read = readPopularityHeader(HEADER);
    expect(toPreviewRow(read(["1", "42", "'=Hits", "Band", "1999", "rock", "120", "4.5", "4.4123"]))).toEqual(
      {
        rank: 1,
        albumId: 42,
        title: "'=Hits",
        artist: "Band",
        releaseYear: 1999,
        genre: "rock",
        ratingsCount: 120,
        averageRating: 4.5,
        score: 4.4123,
      },
    );
  });

  it("finds each column by its name, not its position", () => {
    const reordered = [...HEADER].reverse();
    const values: Record<string, string> = {
      rank: "2",
      album_id: "7",
      title: "Blue",
      artist: "Trio",
      release_year: "",
      genre: "Jazz",
      ratings_count: "30",
      average_rating: "4.1000",
      score: "3.9000",
    };
    const row = toPreviewRow(readPopularityHeader(reordered)(reordered.map((column) => values[column]!)));
    expect(row).toMatchObject({ rank: 2, albumId: 7, title: "Blue", releaseYear: null, score: 3.9 });
  });

  it("refuses a file that lacks a column of the format, naming it", () => {
    const error = (() => {
      try {
        readPopularityHeader(HEADER.filter((column) => column !== "score"));
      } catch (err) {
        return err;
      }
    })();
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).message).toContain("score");
  });

  it("refuses a record whose number is not a number", () => {
    const read = readPopularityHeader(HEADER);
    expect(() => toPreviewRow(read(["one", "42", "t", "a", "1999", "g", "1", "1", "1"]))).toThrow(
      /unexpected number/,
    );
  });
});
