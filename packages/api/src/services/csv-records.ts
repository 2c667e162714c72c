/**
 * Parses the leading complete records of RFC 4180 CSV text (quoted fields, doubled quotes,
 * CRLF or LF). The text may be a prefix of a longer file: a record is only returned once
 * its line end has been seen, unless `complete` says the text is the whole file.
 */
export function parseCsvRecords(
  text: string,
  options: { maxRecords: number; complete: boolean },
): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let quoted = false;
  let i = 0;
  const endRecord = () => {
    record.push(field);
    records.push(record);
    record = [];
    field = "";
  };
  while (i < text.length && records.length < options.maxRecords) {
    const char = text[i]!;
    if (quoted) {
      if (char === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        field += char;
      }
      i += 1;
      continue;
    }
    if (char === '"' && field === "") {
      quoted = true;
    } else if (char === ",") {
      record.push(field);
      field = "";
    } else if (char === "\r" && text[i + 1] === "\n") {
      endRecord();
      i += 1;
    } else if (char === "\n") {
      endRecord();
    } else {
      field += char;
    }
    i += 1;
  }
  // The last record of a whole file may lack its line end.
  if (
    options.complete &&
    !quoted &&
    records.length < options.maxRecords &&
    (field !== "" || record.length > 0)
  ) {
    endRecord();
  }
  return records;
}
