import { appendFile, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { JOURNAL_FILE, Journal, type JournalRecord } from "./journal.ts";

const log = pino({ level: "silent" });
const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "journal-"));
  dirs.push(dir);
  return dir;
}

describe("Journal", () => {
  it("persists appended records and reads them back in order", async () => {
    const dir = await tempDir();
    const journal = await Journal.create(dir, log, () => ({ records: () => [], live: 0 }));
    await Promise.all([
      journal.append({ o: "seq", e: "q", n: 1 }),
      journal.append({ o: "del", e: "q", s: 1 }),
      journal.append({ o: "dup", e: "q", id: "a", t: 5 }),
    ]);
    await journal.close();
    expect(await Journal.read(dir, log)).toEqual([
      { o: "seq", e: "q", n: 1 },
      { o: "del", e: "q", s: 1 },
      { o: "dup", e: "q", id: "a", t: 5 },
    ]);
  });

  it("drops a torn last line left by a crash and truncates it away", async () => {
    const dir = await tempDir();
    const journal = await Journal.create(dir, log, () => ({
      records: () => [{ o: "seq", e: "q", n: 3 }],
      live: 0,
    }));
    await journal.close();
    await appendFile(path.join(dir, JOURNAL_FILE), '{"o":"del","e":"q","s"');
    expect(await Journal.read(dir, log)).toEqual([{ o: "seq", e: "q", n: 3 }]);
    expect(await readFile(path.join(dir, JOURNAL_FILE), "utf8")).toBe('{"o":"seq","e":"q","n":3}\n');
  });

  it("compacts to a snapshot once enough records accumulate, keeping later appends", async () => {
    const dir = await tempDir();
    let snapshot: JournalRecord[] = [{ o: "seq", e: "q", n: 1 }];
    const journal = await Journal.create(dir, log, () => ({ records: () => snapshot, live: 0 }), {
      compactAfterRecords: 10,
    });
    snapshot = [{ o: "seq", e: "q", n: 99 }];
    await Promise.all(Array.from({ length: 12 }, (_, s) => journal.append({ o: "del", e: "q", s })));
    await journal.append({ o: "dup", e: "q", id: "late", t: 1 });
    await journal.close();
    expect(await Journal.read(dir, log)).toEqual([
      { o: "seq", e: "q", n: 99 },
      { o: "dup", e: "q", id: "late", t: 1 },
    ]);
  });
});
