import { describe, expect, it } from "vitest";
import {
  type CsvColumn,
  escapeCsvField,
  formatCsvHeader,
  formatCsvRecord,
  neutraliseFormula,
} from "./csv.ts";

interface Row {
  id: number;
  title: string;
  score: string;
}
const COLUMNS: CsvColumn<Row>[] = [
  { header: "id", value: (row) => row.id },
  { header: "title", value: (row) => row.title, text: true },
  { header: "score", value: (row) => row.score },
];

describe("neutraliseFormula", () => {
  it.each([
    ['=HYPERLINK("http://evil","x")', '\'=HYPERLINK("http://evil","x")'],
    ["+1", "'+1"],
    ["-2+3", "'-2+3"],
    ["@SUM(A1)", "'@SUM(A1)"],
    ["\tcmd", "'\tcmd"],
    ["\rcmd", "'\rcmd"],
  ])("prefixes %j with a single quote", (input, expected) => {
    expect(neutraliseFormula(input)).toBe(expected);
  });

  it("leaves ordinary text, inner triggers and the empty string alone", () => {
    expect(neutraliseFormula("Kind of Blue")).toBe("Kind of Blue");
    expect(neutraliseFormula("A=B+C")).toBe("A=B+C");
    expect(neutraliseFormula("")).toBe("");
  });
});

describe("escapeCsvField", () => {
  it("quotes commas, quotes, CR and LF and doubles inner quotes", () => {
    expect(escapeCsvField("a,b")).toBe('"a,b"');
    expect(escapeCsvField('say "hi"')).toBe('"say ""hi"""');
    expect(escapeCsvField("line\nbreak")).toBe('"line\nbreak"');
    expect(escapeCsvField("cr\rhere")).toBe('"cr\rhere"');
    expect(escapeCsvField("plain")).toBe("plain");
  });
});

describe("formatCsvRecord", () => {
  it("writes CRLF-terminated records with the header first", () => {
    expect(formatCsvHeader(COLUMNS)).toBe("id,title,score\r\n");
    expect(formatCsvRecord(COLUMNS, { id: 7, title: "Blue, Train", score: "4.1000" })).toBe(
      '7,"Blue, Train",4.1000\r\n',
    );
  });

  it("neutralises text columns but never computed numeric columns", () => {
    expect(formatCsvRecord(COLUMNS, { id: -1, title: "=1+1", score: "-0.5000" })).toBe(
      "-1,'=1+1,-0.5000\r\n",
    );
  });

  it("neutralises before quoting so a formula with a comma stays one quoted cell", () => {
    expect(formatCsvRecord(COLUMNS, { id: 1, title: '=HYPERLINK("http://x","y")', score: "1" })).toBe(
      '1,"\'=HYPERLINK(""http://x"",""y"")",1\r\n',
    );
  });

  it("writes null and undefined as empty fields", () => {
    const columns: CsvColumn<{ a: string | null }>[] = [
      { header: "a", value: (row) => row.a, text: true },
      { header: "b", value: () => undefined },
    ];
    expect(formatCsvRecord(columns, { a: null })).toBe(",\r\n");
  });
});
