/**
 * The CSV of every report file. Another writer (a later `COPY`-based export, say) must
 * produce the same bytes, so these are the exact rules:
 *
 * 1. UTF-8 without a byte-order mark; every record, the header included, ends with CRLF;
 *    fields are separated by a comma.
 * 2. A null or undefined value is an empty field; any other value is its string form
 *    (`String(value)`; the popularity query already returns its numbers as text).
 * 3. Formula neutralisation, for text columns only (values that come from user data): when
 *    the field's first character (code point) is one of {@link FORMULA_TRIGGERS}, a single
 *    quote (U+0027) is put before it. Nothing else in the field changes, and a field whose trigger is not
 *    the first character (leading space, `A=B`) is left alone.
 * 4. Quoting, for every field after step 3 (header fields too): a field that contains a double
 *    quote, a comma, a semicolon, CR or LF is wrapped in double quotes, with each double quote
 *    inside doubled. No other field is quoted, not even an empty one.
 *
 * Step 4 is RFC 4180 plus the semicolon: spreadsheets in locales whose list separator is `;`
 * (Excel in most of Europe) split an unquoted field at it.
 */
export const CSV_LINE_END = "\r\n";

/**
 * First characters that make spreadsheet software treat a cell as a formula, so a text
 * field starting with one is written with a leading single quote (OWASP "CSV Injection",
 * https://owasp.org/www-community/attacks/CSV_Injection):
 * - `=` `+` `-` `@`, and tab and carriage return, which some programs strip before
 *   evaluating the rest;
 * - their compatibility twins, the characters Unicode's NFKC normalisation turns into text
 *   starting with `=` `+` `-` `@`, which a program that folds compatibility forms to ASCII
 *   before parsing (fullwidth input is common in East Asian locales) reads as the sign
 *   itself: fullwidth ＝ U+FF1D, ＋ U+FF0B, － U+FF0D, ＠ U+FF20; small ﹦ U+FE66, ﹢ U+FE62,
 *   ﹣ U+FE63, ﹫ U+FE6B; superscript ⁼ U+207C, ⁺ U+207A and subscript ₌ U+208C, ₊ U+208A;
 *   Hebrew alternative plus ﬩ U+FB29; ⩵ U+2A75 (`==`) and ⩶ U+2A76 (`===`).
 * The list is complete for Unicode 17 (a test derives it from NFKC). Lookalikes that NFKC
 * keeps apart, such as the minus sign − U+2212, are not triggers.
 */
const FORMULA_TRIGGERS: ReadonlySet<string> = new Set([
  "=",
  "+",
  "-",
  "@",
  "\t",
  "\r",
  "\uFF1D",
  "\uFF0B",
  "\uFF0D",
  "\uFF20",
  "\uFE66",
  "\uFE62",
  "\uFE63",
  "\uFE6B",
  "\u207C",
  "\u207A",
  "\u208C",
  "\u208A",
  "\uFB29",
  "\u2A75",
  "\u2A76",
]);

/**
 * Neutralises a text cell that came from user data by prefixing a single quote, as OWASP
 * recommends, so Excel / LibreOffice / Sheets display it as text (rule 3 above). Applied to
 * text columns only: numbers the export computes itself (ids, counts, scores) are never
 * negative and must stay numeric, so prefixing them would only corrupt the data.
 */
export function neutraliseFormula(text: string): string {
  // Every trigger is one UTF-16 code unit, so the first unit decides.
  const first = text[0];
  return first !== undefined && FORMULA_TRIGGERS.has(first) ? `'${text}` : text;
}

/** Quotes a field when it holds `"`, `,`, `;`, CR or LF (rule 4 above). */
export function escapeCsvField(value: string): string {
  return /[",;\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export type CsvCell = string | number | bigint | null | undefined;

/** One column of a CSV file: its header and whether its values are untrusted text. */
export interface CsvColumn<Row> {
  header: string;
  value(row: Row): CsvCell;
  /** User-supplied text (titles, names): formula-neutralised. */
  text?: boolean;
}

function formatCell(cell: CsvCell, text: boolean): string {
  if (cell === null || cell === undefined) return "";
  const raw = String(cell);
  return escapeCsvField(text ? neutraliseFormula(raw) : raw);
}

/** The header record, CRLF-terminated. */
export function formatCsvHeader<Row>(columns: ReadonlyArray<CsvColumn<Row>>): string {
  return columns.map((column) => escapeCsvField(column.header)).join(",") + CSV_LINE_END;
}

/** One data record, CRLF-terminated. */
export function formatCsvRecord<Row>(columns: ReadonlyArray<CsvColumn<Row>>, row: Row): string {
  return (
    columns.map((column) => formatCell(column.value(row), column.text === true)).join(",") + CSV_LINE_END
  );
}
