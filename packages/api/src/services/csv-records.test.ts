import { describe, expect, it } from "vitest";
import { parseCsvRecords } from "./csv-records.ts";

describe("parseCsvRecords", () => {
  it("parses quoted fields with commas, doubled quotes and line breaks", () => {
    const text = 'a,b,c\r\n1,"x, ""y""","two\r\nlines"\r\n';
    expect(parseCsvRecords(text, { maxRecords: 10, complete: true })).toEqual([
      ["a", "b", "c"],
      ["1", 'x, "y"', "two\r\nlines"],
    ]);
  });

  it("drops a trailing record cut off by a ranged read", () => {
    const text = "h1,h2\r\n1,one\r\n2,tw";
    expect(parseCsvRecords(text, { maxRecords: 10, complete: false })).toEqual([
      ["h1", "h2"],
      ["1", "one"],
    ]);
  });

  it("keeps the last record of a whole file even without a line end", () => {
    expect(parseCsvRecords("h\r\n1", { maxRecords: 10, complete: true })).toEqual([["h"], ["1"]]);
  });

  it("stops after maxRecords", () => {
    expect(parseCsvRecords("a\nb\nc\nd\n", { maxRecords: 2, complete: true })).toEqual([["a"], ["b"]]);
  });

  it("keeps empty fields", () => {
    expect(parseCsvRecords("1,,3\r\n", { maxRecords: 1, complete: false })).toEqual([["1", "", "3"]]);
  });
});
