import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { receiveAtLeast, sleep, startTestBus, type TestBus } from "./helpers.ts";

describe("time to live and duplicate detection", () => {
  let bus: TestBus;

  beforeAll(async () => {
    bus = await startTestBus([
      "ttl",
      { name: "ttl-default", defaultMessageTimeToLiveMs: 500 },
      { name: "ttl-dlq", defaultMessageTimeToLiveMs: 500, deadLetteringOnMessageExpiration: true },
      { name: "dedup", requiresDuplicateDetection: true, duplicateDetectionHistoryTimeWindowMs: 1500 },
      "no-dedup",
    ]);
  });
  afterAll(async () => {
    await bus.close();
  });

  it("drops a message whose own time to live has passed", async () => {
    await bus.client.createSender("ttl").sendMessages([{ body: "short", timeToLive: 300 }, { body: "long" }]);
    await sleep(600);
    const receiver = bus.client.createReceiver("ttl");
    const received = await receiveAtLeast(receiver, 2, 1000);
    expect(received.map((m) => m.body)).toEqual(["long"]);
    await receiver.completeMessage(received[0]!);
    await receiver.close();
  });

  it("applies the queue's default time to live and drops expired messages without dead-lettering", async () => {
    await bus.client.createSender("ttl-default").sendMessages({ body: "stale" });
    const receiver = bus.client.createReceiver("ttl-default");
    const [message] = await receiveAtLeast(receiver, 1);
    expect(message?.expiresAtUtc?.getTime()).toBeLessThanOrEqual(Date.now() + 500);
    await receiver.abandonMessage(message!);
    await sleep(1700);
    expect(await receiver.peekMessages(5)).toEqual([]);
    const dlq = bus.client.createReceiver("ttl-default", { subQueueType: "deadLetter" });
    expect(await dlq.peekMessages(5)).toEqual([]);
    await dlq.close();
    await receiver.close();
  });

  it("dead-letters expired messages when deadLetteringOnMessageExpiration is set", async () => {
    await bus.client.createSender("ttl-dlq").sendMessages({ body: "expired" });
    await sleep(1700);
    const receiver = bus.client.createReceiver("ttl-dlq");
    expect(await receiver.peekMessages(5)).toEqual([]);
    const dlq = bus.client.createReceiver("ttl-dlq", { subQueueType: "deadLetter" });
    const [dead] = await receiveAtLeast(dlq, 1);
    expect(dead?.body).toBe("expired");
    expect(dead?.deadLetterReason).toBe("TTLExpiredException");
    await dlq.completeMessage(dead!);
    await dlq.close();
    await receiver.close();
  });

  it("drops a message whose messageId was accepted inside the detection window, even after completion", async () => {
    const sender = bus.client.createSender("dedup");
    await sender.sendMessages({ body: "first", messageId: "outbox-1" });
    await sender.sendMessages({ body: "second", messageId: "outbox-1" });
    await sender.sendMessages([
      { body: "third", messageId: "outbox-1" },
      { body: "other", messageId: "outbox-2" },
    ]);
    const receiver = bus.client.createReceiver("dedup");
    const received = await receiveAtLeast(receiver, 3, 1000);
    expect(received.map((m) => m.body)).toEqual(["first", "other"]);
    for (const message of received) await receiver.completeMessage(message);
    await sender.sendMessages({ body: "after completion", messageId: "outbox-1" });
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toEqual([]);
    await receiver.close();
  });

  it("accepts the same messageId again once the detection window has passed", async () => {
    const sender = bus.client.createSender("dedup");
    await sender.sendMessages({ body: "v1", messageId: "outbox-9" });
    await sleep(1700);
    await sender.sendMessages({ body: "v2", messageId: "outbox-9" });
    const receiver = bus.client.createReceiver("dedup");
    const received = await receiveAtLeast(receiver, 2, 1500);
    expect(received.map((m) => m.body)).toEqual(["v1", "v2"]);
    for (const message of received) await receiver.completeMessage(message);
    await receiver.close();
  });

  it("keeps every copy on a queue without duplicate detection", async () => {
    const sender = bus.client.createSender("no-dedup");
    await sender.sendMessages([
      { body: 1, messageId: "same" },
      { body: 2, messageId: "same" },
    ]);
    const receiver = bus.client.createReceiver("no-dedup", { receiveMode: "receiveAndDelete" });
    expect((await receiveAtLeast(receiver, 2)).map((m) => m.body)).toEqual([1, 2]);
    await receiver.close();
  });
});
