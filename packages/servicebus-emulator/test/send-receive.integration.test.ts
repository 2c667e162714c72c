import { ServiceBusClient } from "@azure/service-bus";
import Long from "long";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAST_RETRIES, receiveAtLeast, sleep, startTestBus, type TestBus } from "./helpers.ts";

describe("sending and receiving", () => {
  let bus: TestBus;

  beforeAll(async () => {
    bus = await startTestBus(["single", "many", "fifo", "rad", "peek", "sub", "sched", "props"]);
  });
  afterAll(async () => {
    await bus.close();
  });

  it("delivers a single message with its body, properties and broker annotations", async () => {
    const before = Date.now();
    await bus.client.createSender("single").sendMessages({
      body: { reportId: 42 },
      messageId: "m-1",
      subject: "reports.export-requested.v1",
      contentType: "application/json",
      correlationId: "corr-1",
      applicationProperties: { attempt: 1, tenant: "t1" },
    });
    const receiver = bus.client.createReceiver("single");
    const [message] = await receiveAtLeast(receiver, 1);
    expect(message?.body).toEqual({ reportId: 42 });
    expect(message?.messageId).toBe("m-1");
    expect(message?.subject).toBe("reports.export-requested.v1");
    expect(message?.contentType).toBe("application/json");
    expect(message?.correlationId).toBe("corr-1");
    expect(message?.applicationProperties).toEqual({ attempt: 1, tenant: "t1" });
    expect(message?.deliveryCount).toBe(0);
    expect(message?.sequenceNumber?.toNumber()).toBe(1);
    expect(message?.enqueuedTimeUtc?.getTime()).toBeGreaterThanOrEqual(before - 5);
    expect(message?.lockedUntilUtc?.getTime()).toBeGreaterThan(Date.now());
    expect(message?.lockToken).toMatch(/^[0-9a-f-]{36}$/);
    await receiver.completeMessage(message!);
    await receiver.close();
  });

  it("accepts arrays and batches, each message stored separately", async () => {
    const sender = bus.client.createSender("many");
    await sender.sendMessages([{ body: "a1" }, { body: "a2" }, { body: "a3" }]);
    const batch = await sender.createMessageBatch();
    for (let i = 1; i <= 3; i++)
      expect(batch.tryAddMessage({ body: `b${i}`, messageId: `b${i}` })).toBe(true);
    await sender.sendMessages(batch);
    const receiver = bus.client.createReceiver("many");
    const received = await receiveAtLeast(receiver, 6);
    expect(received.map((m) => m.body)).toEqual(["a1", "a2", "a3", "b1", "b2", "b3"]);
    expect(received.slice(3).map((m) => m.messageId)).toEqual(["b1", "b2", "b3"]);
    expect(new Set(received.map((m) => m.messageId)).size).toBe(6);
    for (const message of received) await receiver.completeMessage(message);
    await receiver.close();
  });

  it("keeps FIFO order with increasing sequence numbers", async () => {
    const sender = bus.client.createSender("fifo");
    for (let i = 0; i < 20; i++) await sender.sendMessages({ body: i });
    const receiver = bus.client.createReceiver("fifo", { receiveMode: "receiveAndDelete" });
    const received = await receiveAtLeast(receiver, 20);
    expect(received.map((m) => m.body)).toEqual([...Array(20).keys()]);
    const sequence = received.map((m) => m.sequenceNumber!.toNumber());
    expect(sequence).toEqual([...sequence].sort((a, b) => a - b));
    await receiver.close();
  });

  it("removes messages in receiveAndDelete mode", async () => {
    await bus.client.createSender("rad").sendMessages([{ body: 1 }, { body: 2 }]);
    const receiver = bus.client.createReceiver("rad", { receiveMode: "receiveAndDelete" });
    const received = await receiveAtLeast(receiver, 2);
    expect(received.map((m) => m.body)).toEqual([1, 2]);
    expect(received[0]?.lockToken).toBeUndefined();
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toEqual([]);
    expect(await receiver.peekMessages(10)).toEqual([]);
    await receiver.close();
  });

  it("peeks without locking, from a sequence number, including locked messages", async () => {
    await bus.client.createSender("peek").sendMessages([{ body: "p1" }, { body: "p2" }, { body: "p3" }]);
    const receiver = bus.client.createReceiver("peek");
    const [locked] = await receiveAtLeast(receiver, 1);
    expect(locked?.body).toBe("p1");
    const peeked = await receiver.peekMessages(10, { fromSequenceNumber: Long.fromNumber(1) });
    expect(peeked.map((m) => m.body)).toEqual(["p1", "p2", "p3"]);
    expect(peeked[0]?.lockToken).toBeUndefined();
    const later = await receiver.peekMessages(2, { fromSequenceNumber: Long.fromNumber(2) });
    expect(later.map((m) => m.body)).toEqual(["p2", "p3"]);
    // without fromSequenceNumber the SDK continues after the last peeked message (per client and queue)
    const other = new ServiceBusClient(bus.emulator.connectionString, FAST_RETRIES);
    const fresh = other.createReceiver("peek");
    expect((await fresh.peekMessages(1)).map((m) => m.body)).toEqual(["p1"]);
    expect((await fresh.peekMessages(5)).map((m) => m.body)).toEqual(["p2", "p3"]);
    expect(await fresh.peekMessages(5)).toEqual([]);
    await other.close();
    await receiver.close();
  });

  it("feeds a subscribe handler, one message at a time, and completes them automatically", async () => {
    const sender = bus.client.createSender("sub");
    await sender.sendMessages([{ body: "s1" }, { body: "s2" }, { body: "s3" }]);
    const receiver = bus.client.createReceiver("sub");
    const seen: unknown[] = [];
    const done = new Promise<void>((resolve, reject) => {
      const subscription = receiver.subscribe({
        async processMessage(message) {
          seen.push(message.body);
          if (seen.length === 4) {
            await subscription.close();
            resolve();
          }
        },
        async processError(args) {
          reject(args.error);
        },
      });
    });
    await sleep(200);
    await sender.sendMessages({ body: "s4" });
    await done;
    expect(seen).toEqual(["s1", "s2", "s3", "s4"]);
    await sleep(200);
    expect(await bus.client.createReceiver("sub").peekMessages(10)).toEqual([]);
    await receiver.close();
  });

  it("holds scheduled messages until their time and lets them be cancelled", async () => {
    const sender = bus.client.createSender("sched");
    const at = new Date(Date.now() + 1500);
    const [keep, cancel] = await sender.scheduleMessages([{ body: "keep" }, { body: "cancel" }], at);
    await sender.sendMessages({ body: "via-annotation", scheduledEnqueueTimeUtc: at });
    expect(keep!.toNumber()).toBeLessThan(cancel!.toNumber());
    const receiver = bus.client.createReceiver("sched");
    const peeked = await receiver.peekMessages(10);
    expect(peeked.map((m) => [m.body, m.state])).toEqual([
      ["keep", "scheduled"],
      ["cancel", "scheduled"],
      ["via-annotation", "scheduled"],
    ]);
    await sender.cancelScheduledMessages([cancel!]);
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 500 })).toEqual([]);
    const received = await receiveAtLeast(receiver, 2, 4000);
    expect(received.map((m) => m.body)).toEqual(["keep", "via-annotation"]);
    expect(Date.now()).toBeGreaterThanOrEqual(at.getTime() - 50);
    for (const message of received) await receiver.completeMessage(message);
    await receiver.close();
  });

  it("keeps application property types byte for byte (long, int, string, boolean, timestamp)", async () => {
    const when = new Date("2024-05-01T10:00:00Z");
    await bus.client.createSender("props").sendMessages({
      body: Buffer.from([1, 2, 3]),
      applicationProperties: { big: 2 ** 40, small: -5, name: "x", flag: true, when },
      timeToLive: 60_000,
    });
    const receiver = bus.client.createReceiver("props");
    const [message] = await receiveAtLeast(receiver, 1);
    expect(Buffer.from(message!.body as Uint8Array)).toEqual(Buffer.from([1, 2, 3]));
    expect(message?.applicationProperties).toEqual({
      big: 2 ** 40,
      small: -5,
      name: "x",
      flag: true,
      when: when.getTime(),
    });
    expect(message?.timeToLive).toBe(60_000);
    await receiver.completeMessage(message!);
    await receiver.close();
  });
});
