import pino from "pino";
import { describe, expect, it } from "vitest";
import { resolveQueueOptions } from "../options.ts";
import { Broker } from "./broker.ts";
import type { JournalRecord, PersistedMessage } from "./journal.ts";

const log = pino({ level: "silent" });
const DLQ = "q/$DeadLetterQueue";

function persisted(seq: number): PersistedMessage {
  return { s: seq, t: 1, h: {}, b: "", dc: 0, st: "active" };
}

function sequenceRecords(broker: Broker): JournalRecord[] {
  return broker
    .snapshot()
    .records()
    .filter((record) => record.o === "seq");
}

describe("Broker sequence numbers", () => {
  it("keeps one counter per entity, the dead-letter queue's included, even once its messages are gone", () => {
    const broker = new Broker([resolveQueueOptions("q")], log);
    broker.replay([
      { o: "put", e: "q", m: persisted(3) },
      { o: "put", e: DLQ, m: persisted(7) },
      { o: "del", e: DLQ, s: 7 },
    ]);
    expect(sequenceRecords(broker)).toEqual([
      { o: "seq", e: "q", n: 4 },
      { o: "seq", e: DLQ, n: 8 },
    ]);
  });

  it("restores the dead-letter counter from a compacted journal, and reads an older journal's queue counter as the queue's", () => {
    const broker = new Broker([resolveQueueOptions("q")], log);
    broker.replay([
      { o: "seq", e: "q", n: 12 },
      { o: "seq", e: DLQ, n: 5 },
    ]);
    expect(sequenceRecords(broker)).toEqual([
      { o: "seq", e: "q", n: 12 },
      { o: "seq", e: DLQ, n: 5 },
    ]);
  });
});
