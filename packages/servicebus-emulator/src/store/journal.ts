import type { FileHandle } from "node:fs/promises";
import { mkdir, open, readFile, rename, truncate } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";

export type MessageState = "active" | "deferred" | "scheduled";

/** A message as persisted: raw AMQP sections base64-encoded, plus broker state. */
export interface PersistedMessage {
  /** sequence number */
  s: number;
  /** enqueued time (ms since epoch) */
  t: number;
  /** message id, for duplicate detection */
  id?: string;
  /** header fields kept from the sender */
  h: { durable?: boolean; priority?: number; ttl?: number };
  /** message annotations section */
  a?: string;
  /** properties section */
  p?: string;
  /** application properties section */
  ap?: string;
  /** body sections and footer */
  b: string;
  /** delivery count */
  dc: number;
  st: MessageState;
  /** scheduled enqueue time */
  sa?: number;
  /** expiry time */
  x?: number;
  /** dead-letter source entity */
  ds?: string;
  /** sequence number in the source queue (dead-lettered messages, which are numbered anew) */
  os?: number;
}

/** One line of the journal. Every record is idempotent so that replaying it twice is harmless. */
export type JournalRecord =
  | { o: "put"; e: string; m: PersistedMessage }
  | { o: "del"; e: string; s: number }
  | { o: "upd"; e: string; s: number; dc?: number; st?: MessageState; ap?: string | null; x?: number | null }
  | { o: "seq"; e: string; n: number }
  | { o: "dup"; e: string; id: string; t: number };

/** The live state, as a count (cheap) and as records (built only when a compaction happens). */
export interface Snapshot {
  live: number;
  records(): JournalRecord[];
}

export const JOURNAL_FILE = "servicebus-emulator.journal";

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

export interface JournalOptions {
  /** Records written since the last compaction before a compaction is considered. */
  compactAfterRecords?: number;
}

/**
 * Append-only JSON-lines journal with group commit: records appended while a write is in flight
 * are written and fsynced together, and every append's promise resolves only after its fsync.
 */
export class Journal {
  private pending: string[] = [];
  private waiters: Waiter[] = [];
  private flushing = false;
  private flushScheduled = false;
  private recordsSinceCompaction = 0;
  private compactionThreshold: number;
  private idleWaiters: Array<() => void> = [];
  private closed = false;

  private constructor(
    private handle: FileHandle,
    private readonly file: string,
    private readonly log: Logger,
    private readonly snapshot: () => Snapshot,
    private readonly compactAfterRecords: number,
  ) {
    this.compactionThreshold = compactAfterRecords;
  }

  /** Reads every record of the journal in `dir`, dropping a torn last line left by a crash. */
  static async read(dir: string, log: Logger): Promise<JournalRecord[]> {
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, JOURNAL_FILE);
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
    const records: JournalRecord[] = [];
    let offset = 0;
    while (offset < text.length) {
      const end = text.indexOf("\n", offset);
      if (end === -1) {
        // a write cut short by a crash: its append was never acknowledged, so dropping it is safe
        log.warn({ bytes: Buffer.byteLength(text.slice(offset)) }, "dropping torn journal tail");
        await truncate(file, Buffer.byteLength(text.slice(0, offset)));
        break;
      }
      const line = text.slice(offset, end);
      offset = end + 1;
      if (line.length === 0) continue;
      try {
        records.push(JSON.parse(line) as JournalRecord);
      } catch {
        log.warn({ line: line.slice(0, 80) }, "skipping unreadable journal line");
      }
    }
    return records;
  }

  /**
   * Writes a compacted journal from `snapshot` and opens it for appending. The snapshot function is
   * called again whenever enough records have accumulated to make another compaction worthwhile.
   */
  static async create(
    dir: string,
    log: Logger,
    snapshot: () => Snapshot,
    options: JournalOptions = {},
  ): Promise<Journal> {
    const file = path.join(dir, JOURNAL_FILE);
    await writeSnapshot(file, snapshot().records());
    const handle = await open(file, "a");
    return new Journal(handle, file, log, snapshot, options.compactAfterRecords ?? 50_000);
  }

  /** Appends a record; resolves once it is on disk. */
  append(record: JournalRecord): Promise<void> {
    if (this.closed) return Promise.reject(new Error("journal is closed"));
    this.pending.push(`${JSON.stringify(record)}\n`);
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.scheduleFlush();
    return done;
  }

  /** Appends a record whose durability nobody waits for (write errors are logged). */
  appendLater(record: JournalRecord): void {
    this.append(record).catch((err: unknown) => this.log.error({ err }, "journal write failed"));
  }

  /** Waits for every appended record to be on disk, then closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.waitIdle();
    await this.handle.close();
  }

  private waitIdle(): Promise<void> {
    if (!this.flushing && !this.flushScheduled && this.pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private scheduleFlush(): void {
    if (this.flushing || this.flushScheduled) return;
    this.flushScheduled = true;
    // setImmediate lets every append of the current I/O turn join the same write and fsync
    setImmediate(() => {
      this.flushScheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.pending.length > 0) {
        const lines = this.pending;
        const waiters = this.waiters;
        this.pending = [];
        this.waiters = [];
        try {
          await this.handle.write(lines.join(""));
          await this.handle.datasync();
          this.recordsSinceCompaction += lines.length;
          for (const waiter of waiters) waiter.resolve();
        } catch (error) {
          for (const waiter of waiters) waiter.reject(error);
        }
        if (!this.closed && this.recordsSinceCompaction >= this.compactionThreshold) {
          await this.compact();
        }
      }
    } finally {
      this.flushing = false;
      const idle = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of idle) resolve();
    }
  }

  private async compact(): Promise<void> {
    // Taken synchronously: every change made after this instant is still in `pending` and lands in
    // the new file after the snapshot; records are idempotent, so repeating one is harmless.
    const snapshot = this.snapshot();
    if (this.recordsSinceCompaction < snapshot.live * 2) {
      // mostly live messages: not worth rewriting yet; look again after another batch of records
      this.compactionThreshold = this.recordsSinceCompaction + this.compactAfterRecords;
      return;
    }
    const started = Date.now();
    const records = snapshot.records();
    try {
      await writeSnapshot(this.file, records);
      const previous = this.handle;
      this.handle = await open(this.file, "a");
      await previous.close();
      this.recordsSinceCompaction = 0;
      this.compactionThreshold = this.compactAfterRecords;
      this.log.info({ records: records.length, ms: Date.now() - started }, "journal compacted");
    } catch (err) {
      this.log.error({ err }, "journal compaction failed; continuing with the old journal");
    }
  }
}

async function writeSnapshot(file: string, records: JournalRecord[]): Promise<void> {
  const temporary = `${file}.tmp`;
  const handle = await open(temporary, "w");
  try {
    const chunk: string[] = [];
    for (const record of records) {
      chunk.push(`${JSON.stringify(record)}\n`);
      if (chunk.length >= 1000) {
        await handle.write(chunk.join(""));
        chunk.length = 0;
      }
    }
    if (chunk.length > 0) await handle.write(chunk.join(""));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, file);
  // the rename itself must be durable, or a crash could bring back the uncompacted file
  const dir = await open(path.dirname(file), "r");
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
