import type { Journal, JournalRecord, PersistedMessage, Snapshot } from "./journal.ts";
import { type Entities, type Entity, pruneSeen, type StoredMessage } from "./model.ts";

/**
 * The broker's side of its journal: what it writes, how the records of a journal rebuild the
 * entities on start, and the live state as records for compaction. Without a journal (in-memory
 * mode) every write resolves at once.
 */
export class Persistence {
  private journal: Journal | undefined;
  /** `put` records of queues no longer declared, kept so that declaring the queue again brings them back. */
  private readonly orphans = new Map<string, JournalRecord & { o: "put" }>();

  constructor(private readonly entities: Entities) {}

  open(journal: Journal | undefined): void {
    this.journal = journal;
  }

  /** Waits for every write to be on disk, then closes the journal. */
  async close(): Promise<void> {
    await this.journal?.close();
  }

  /** Resolves once the record is durable. */
  write(record: JournalRecord): Promise<void> {
    return this.journal ? this.journal.append(record) : Promise.resolve();
  }

  /** A write nobody waits for (its failure is logged by the journal). */
  writeLater(record: JournalRecord): void {
    this.journal?.appendLater(record);
  }

  /** Writes a whole message (on arrival, or on arrival in a dead-letter queue). */
  put(entity: Entity, message: StoredMessage): Promise<void> {
    return this.write({ o: "put", e: entity.path, m: toPersisted(message) });
  }

  /**
   * Applies journal records to the entities, before the broker starts. The messages come back
   * invisible and outside the ready heap: which of them are delivered again is the broker's call.
   */
  apply(records: JournalRecord[]): void {
    for (const record of records) this.applyRecord(record);
  }

  private applyRecord(record: JournalRecord): void {
    const entity = this.entities.get(record.e);
    if (!entity) {
      if (record.o === "put") this.orphans.set(`${record.e}\n${record.m.s}`, record);
      if (record.o === "del") this.orphans.delete(`${record.e}\n${record.s}`);
      return;
    }
    switch (record.o) {
      case "put": {
        entity.messages.set(record.m.s, fromPersisted(record.m));
        entity.nextSeq = Math.max(entity.nextSeq, record.m.s + 1);
        if (!entity.isDeadLetter && record.m.id !== undefined && entity.options.requiresDuplicateDetection) {
          entity.state.seen.set(record.m.id, record.m.t);
        }
        break;
      }
      case "del":
        entity.messages.delete(record.s);
        break;
      case "upd": {
        const message = entity.messages.get(record.s);
        if (!message) break;
        if (record.dc !== undefined) message.deliveryCount = record.dc;
        if (record.st !== undefined) message.state = record.st;
        if (record.ap !== undefined) {
          message.applicationProperties = record.ap === null ? undefined : Buffer.from(record.ap, "base64");
        }
        if (record.x !== undefined) message.expiresAt = record.x ?? undefined;
        break;
      }
      case "seq":
        entity.nextSeq = Math.max(entity.nextSeq, record.n);
        break;
      case "dup":
        entity.state.seen.set(record.id, record.t);
        break;
    }
  }

  /** The whole state as journal records, for compaction. */
  snapshot(): Snapshot {
    let live = this.orphans.size;
    for (const entity of this.entities.values()) live += entity.messages.size;
    return { live, records: () => this.snapshotRecords() };
  }

  private snapshotRecords(): JournalRecord[] {
    const records: JournalRecord[] = [];
    const now = Date.now();
    for (const entity of this.entities.values()) {
      records.push({ o: "seq", e: entity.path, n: entity.nextSeq });
    }
    for (const state of this.entities.queues) {
      pruneSeen(state, now);
      for (const [id, t] of state.seen) records.push({ o: "dup", e: state.options.name, id, t });
    }
    for (const entity of this.entities.values()) {
      for (const message of entity.messages.values()) {
        records.push({ o: "put", e: entity.path, m: toPersisted(message) });
      }
    }
    for (const orphan of this.orphans.values()) records.push(orphan);
    return records;
  }
}

function toPersisted(message: StoredMessage): PersistedMessage {
  const persisted: PersistedMessage = {
    s: message.seq,
    t: message.enqueuedAt,
    h: message.header,
    b: message.body.toString("base64"),
    dc: message.deliveryCount,
    st: message.state,
  };
  if (message.messageId !== undefined) persisted.id = message.messageId;
  if (message.messageAnnotations) persisted.a = message.messageAnnotations.toString("base64");
  if (message.properties) persisted.p = message.properties.toString("base64");
  if (message.applicationProperties) persisted.ap = message.applicationProperties.toString("base64");
  if (message.scheduledAt !== undefined) persisted.sa = message.scheduledAt;
  if (message.expiresAt !== undefined) persisted.x = message.expiresAt;
  if (message.deadLetterSource !== undefined) persisted.ds = message.deadLetterSource;
  if (message.originalSeq !== undefined) persisted.os = message.originalSeq;
  return persisted;
}

function fromPersisted(persisted: PersistedMessage): StoredMessage {
  return {
    seq: persisted.s,
    enqueuedAt: persisted.t,
    messageId: persisted.id,
    header: persisted.h,
    messageAnnotations: persisted.a === undefined ? undefined : Buffer.from(persisted.a, "base64"),
    properties: persisted.p === undefined ? undefined : Buffer.from(persisted.p, "base64"),
    applicationProperties: persisted.ap === undefined ? undefined : Buffer.from(persisted.ap, "base64"),
    body: Buffer.from(persisted.b, "base64"),
    deliveryCount: persisted.dc,
    state: persisted.st,
    scheduledAt: persisted.sa,
    expiresAt: persisted.x,
    deadLetterSource: persisted.ds,
    originalSeq: persisted.os,
    visible: false,
    inReadyHeap: false,
  };
}
