/**
 * RFC 4180 CSV: fields separated by commas, records ended by CRLF, a field quoted when it
 * holds a comma, a double quote, CR or LF, and quotes inside doubled.
 */
export const CSV_LINE_END = "\r\n";

/**
 * Characters that make spreadsheet software treat a cell as a formula (OWASP "CSV
 * Injection"): `=`, `+`, `-`, `@`, and tab / carriage return, which some programs strip
 * before evaluating the rest.
 */
const FORMULA_TRIGGERS = new Set(["=", "+", "-", "@", "\t", "\r"]);

/**
 * Neutralises a text cell that came from user data by prefixing a single quote, as OWASP
 * recommends, so Excel / LibreOffice / Sheets display it as text. Applied to text columns
 * only: numbers the export computes itself (ids, counts, scores) are never negative and
 * must stay numeric, so prefixing them would only corrupt the data.
 */
export function neutraliseFormula(text: string): string {
  const first = text[0];
  return first !== undefined && FORMULA_TRIGGERS.has(first) ? `'${text}` : text;
}

/** Quotes a field when RFC 4180 requires it. */
export function escapeCsvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
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
