/** A report the suite created, and how. */
export interface LedgerEntry {
  reportId: string;
  owner: string;
  /** The exact request body and key, for replays. */
  api: "rest" | "trpc";
  body: string;
  idempotencyKey?: string | undefined;
}

/**
 * Every report the suite created in this run and who owns it: the oracle of the
 * authorization checks (an answer to anyone else that names one of these ids is a
 * cross-user read). Ids the suite did not create (other tests' reports on a shared stack)
 * are never judged.
 */
export class Ledger {
  private readonly byId = new Map<string, LedgerEntry>();
  private readonly entries: LedgerEntry[] = [];
  private readonly cursors: Array<{ owner: string; cursor: string }> = [];

  record(entry: LedgerEntry): void {
    if (this.byId.has(entry.reportId)) return;
    this.byId.set(entry.reportId, entry);
    this.entries.push(entry);
  }

  ownerOf(reportId: string): string | undefined {
    return this.byId.get(reportId.toLowerCase())?.owner;
  }

  get size(): number {
    return this.entries.length;
  }

  /** The entry at `index` modulo the size; undefined while empty. */
  pick(index: number): LedgerEntry | undefined {
    return this.entries.length === 0 ? undefined : this.entries[index % this.entries.length];
  }

  /** An entry created with an Idempotency-Key, for replays. */
  pickWithKey(index: number, owners: readonly string[]): LedgerEntry | undefined {
    const keyed = this.entries.filter(
      (entry) => entry.idempotencyKey !== undefined && owners.includes(entry.owner),
    );
    return keyed.length === 0 ? undefined : keyed[index % keyed.length];
  }

  recordCursor(owner: string, cursor: string): void {
    if (this.cursors.length < 1_000) this.cursors.push({ owner, cursor });
  }

  pickCursor(index: number): { owner: string; cursor: string } | undefined {
    return this.cursors.length === 0 ? undefined : this.cursors[index % this.cursors.length];
  }
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** Every UUID in a text (answers are scanned whole: bodies, download links, headers). */
export function uuidsIn(text: string): string[] {
  return [...text.matchAll(UUID)].map((match) => match[0].toLowerCase());
}
