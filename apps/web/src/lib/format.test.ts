import { describe, expect, it } from "vitest";
import { formatAge, formatDuration, formatElapsed, summariseParameters } from "./format.ts";

describe("summariseParameters", () => {
  it("says what the defaults mean", () => {
    expect(summariseParameters({ minRatings: 10 })).toBe("All genres · all time · ≥ 10 ratings · all albums");
  });

  it("names the genre, the window and the top N", () => {
    expect(
      summariseParameters({
        genre: "Jazz",
        from: "2024-01-01",
        to: "2025-01-01",
        minRatings: 3,
        limit: 1000,
      }),
    ).toBe("Jazz · 2024-01-01 to 2025-01-01 · ≥ 3 ratings · top 1,000");
  });
});

describe("time formatting", () => {
  const start = "2026-01-01T00:00:00.000Z";
  const at = (seconds: number) => Date.parse(start) + seconds * 1000;

  it("ticks elapsed time as m:ss, then h:mm:ss", () => {
    expect(formatElapsed(start, at(7))).toBe("0:07");
    expect(formatElapsed(start, at(3723))).toBe("1:02:03");
  });

  it("gives sub-minute durations in seconds with a decimal", () => {
    expect(formatDuration(start, new Date(at(0.4)).toISOString())).toBe("0.4 s");
    expect(formatDuration(start, new Date(at(65)).toISOString())).toBe("1:05");
  });

  it("describes ages in words", () => {
    expect(formatAge(start, at(10))).toBe("just now");
    expect(formatAge(start, at(180))).toBe("3 minutes ago");
  });
});
