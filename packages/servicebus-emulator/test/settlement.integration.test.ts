import { ServiceBusClient, type ServiceBusReceivedMessage } from "@azure/service-bus";
import Long from "long";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  captureError,
  errorCodes,
  FAST_RETRIES,
  receiveAtLeast,
  sleep,
  startTestBus,
  type TestBus,
} from "./helpers.ts";

const SHORT_LOCK = 1500;

describe("settlement and locks", () => {
  let bus: TestBus;

  beforeAll(async () => {
    bus = await startTestBus([
      "complete",
      "abandon",
      "defer",
      "dead",
      "twice",
      "mgmt",
      "mgmt-open",
      "dlq-peek",
      { name: "renew", lockDurationMs: SHORT_LOCK },
      { name: "expiry", lockDurationMs: SHORT_LOCK },
      { name: "limit", lockDurationMs: 60_000, maxDeliveryCount: 3 },
      { name: "drop", lockDurationMs: SHORT_LOCK },
    ]);
  });
  afterAll(async () => {
    await bus.close();
  });

  it("removes a completed message for good", async () => {
    await bus.client.createSender("complete").sendMessages({ body: "done" });
    const receiver = bus.client.createReceiver("complete");
    const [message] = await receiveAtLeast(receiver, 1);
    await receiver.completeMessage(message!);
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toEqual([]);
    expect(await receiver.peekMessages(5)).toEqual([]);
    await receiver.close();
  });

  it("redelivers an abandoned message at once with its delivery count raised and properties changed", async () => {
    await bus.client
      .createSender("abandon")
      .sendMessages({ body: "retry me", applicationProperties: { a: 1 } });
    const receiver = bus.client.createReceiver("abandon");
    const [first] = await receiveAtLeast(receiver, 1);
    expect(first?.deliveryCount).toBe(0);
    await receiver.abandonMessage(first!, { a: 2, reason: "transient" });
    const [second] = await receiveAtLeast(receiver, 1);
    expect(second?.body).toBe("retry me");
    expect(second?.deliveryCount).toBe(1);
    expect(second?.sequenceNumber?.toNumber()).toBe(first?.sequenceNumber?.toNumber());
    expect(second?.applicationProperties).toEqual({ a: 2, reason: "transient" });
    await receiver.completeMessage(second!);
    await receiver.close();
  });

  it("sets a deferred message aside until it is received by sequence number", async () => {
    await bus.client.createSender("defer").sendMessages([{ body: "later" }, { body: "next" }]);
    const receiver = bus.client.createReceiver("defer");
    const [deferred] = await receiveAtLeast(receiver, 1);
    await receiver.deferMessage(deferred!, { deferredBecause: "waiting" });
    const [next] = await receiveAtLeast(receiver, 1);
    expect(next?.body).toBe("next");
    await receiver.completeMessage(next!);
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toEqual([]);
    const peeked = await receiver.peekMessages(5);
    expect(peeked.map((m) => [m.body, m.state])).toEqual([["later", "deferred"]]);

    const [again] = await receiver.receiveDeferredMessages([deferred!.sequenceNumber!]);
    expect(again?.body).toBe("later");
    expect(again?.state).toBe("deferred");
    expect(again?.applicationProperties).toEqual({ deferredBecause: "waiting" });
    expect(again?.lockToken).toMatch(/^[0-9a-f-]{36}$/);
    await receiver.completeMessage(again!);
    expect(await receiver.peekMessages(5)).toEqual([]);
    await receiver.close();
  });

  it("moves a dead-lettered message with its reason into <queue>/$DeadLetterQueue", async () => {
    await bus.client
      .createSender("dead")
      .sendMessages({ body: "poison", applicationProperties: { kind: "x" } });
    const receiver = bus.client.createReceiver("dead");
    const [message] = await receiveAtLeast(receiver, 1);
    await receiver.deadLetterMessage(message!, {
      deadLetterReason: "UnknownKind",
      deadLetterErrorDescription: "kind x is not handled",
    });
    expect(await receiver.peekMessages(5)).toEqual([]);
    const dlq = bus.client.createReceiver("dead", { subQueueType: "deadLetter" });
    const [dead] = await receiveAtLeast(dlq, 1);
    expect(dead?.body).toBe("poison");
    expect(dead?.deadLetterReason).toBe("UnknownKind");
    expect(dead?.deadLetterErrorDescription).toBe("kind x is not handled");
    expect(dead?.deadLetterSource).toBe("dead");
    expect(dead?.applicationProperties?.kind).toBe("x");
    await dlq.completeMessage(dead!);
    expect(await dlq.peekMessages(5)).toEqual([]);
    await dlq.close();
    await receiver.close();
  });

  it("refuses to settle a message twice", async () => {
    await bus.client.createSender("twice").sendMessages({ body: 1 });
    const receiver = bus.client.createReceiver("twice");
    const [message] = await receiveAtLeast(receiver, 1);
    await receiver.completeMessage(message!);
    const error = await captureError(receiver.completeMessage(message!));
    expect(error.message).toMatch(/already settled/);
    await receiver.close();
  });

  it("settles through $management once the receiving link is gone", async () => {
    await bus.client.createSender("mgmt").sendMessages([{ body: "m1" }, { body: "m2" }]);
    const receiver = bus.client.createReceiver("mgmt");
    const messages = await receiveAtLeast(receiver, 2);
    await receiver.close();
    const other = bus.client.createReceiver("mgmt");
    await other.completeMessage(messages[0]!);
    const twice = await captureError(other.completeMessage(messages[0]!));
    expect(errorCodes(twice)).toContain("MessageLockLost");
    await other.deadLetterMessage(messages[1]!, {
      deadLetterReason: "ViaManagement",
      deadLetterErrorDescription: "settled on $management",
    });
    expect(await other.peekMessages(5)).toEqual([]);
    const dlq = bus.client.createReceiver("mgmt", { subQueueType: "deadLetter" });
    const [dead] = await receiveAtLeast(dlq, 1);
    expect(dead?.deadLetterReason).toBe("ViaManagement");
    await dlq.completeMessage(dead!);
    await dlq.close();
    await other.close();
  });

  it("keeps delivering on a receive link whose messages are settled through $management", async () => {
    // Settling from another client goes through $management while the receiving link stays open;
    // each such delivery used to stay unsettled on that link, which stalled after 2048 of them.
    const total = 3000;
    const sender = bus.client.createSender("mgmt-open");
    for (let sent = 0; sent <= total; ) {
      const batch = await sender.createMessageBatch();
      while (sent <= total && batch.tryAddMessage({ body: sent })) sent++;
      await sender.sendMessages(batch);
    }
    const receiver = bus.client.createReceiver("mgmt-open", { maxAutoLockRenewalDurationInMs: 0 });
    const settlerClient = new ServiceBusClient(bus.emulator.connectionString, FAST_RETRIES);
    const settler = settlerClient.createReceiver("mgmt-open");
    let settled = 0;
    let firstSettled: ServiceBusReceivedMessage | undefined;
    while (settled < total) {
      const batch = await receiver.receiveMessages(Math.min(500, total - settled), { maxWaitTimeInMs: 2000 });
      expect(batch.length, `the link stopped delivering after ${settled} messages`).toBeGreaterThan(0);
      await Promise.all(batch.map((message) => settler.completeMessage(message)));
      firstSettled ??= batch[0];
      settled += batch.length;
    }
    const [last] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    expect(last?.body).toBe(total);
    await receiver.completeMessage(last!);
    // the receiving link learnt of the settlement: settling again there is refused at once
    const again = await captureError(receiver.completeMessage(firstSettled!));
    expect(again.message).toMatch(/already settled/);
    expect(await receiver.peekMessages(5)).toEqual([]);
    await settlerClient.close();
    await receiver.close();
  });

  it("peeks a message dead-lettered after an earlier peek of the dead-letter queue, even one sent first", async () => {
    await bus.client.createSender("dlq-peek").sendMessages([{ body: "first" }, { body: "second" }]);
    const receiver = bus.client.createReceiver("dlq-peek");
    const [first, second] = await receiveAtLeast(receiver, 2);
    await receiver.deadLetterMessage(second!, {
      deadLetterReason: "Second",
      deadLetterErrorDescription: "dead-lettered first",
    });
    const peekDeadLetters = async () => {
      // a new receiver each time, as a test helper would: the SDK keeps the peek cursor (last peeked
      // sequence number + 1) per client and entity, not per receiver
      const dlq = bus.client.createReceiver("dlq-peek", { subQueueType: "deadLetter" });
      const peeked = await dlq.peekMessages(10);
      await dlq.close();
      return peeked;
    };
    expect((await peekDeadLetters()).map((m) => m.body)).toEqual(["second"]);
    await receiver.deadLetterMessage(first!, {
      deadLetterReason: "First",
      deadLetterErrorDescription: "dead-lettered second",
    });
    const later = await peekDeadLetters();
    expect(later.map((m) => m.body)).toEqual(["first"]);

    // the dead-letter queue numbers messages as they arrive and keeps their queue sequence number
    const dlq = bus.client.createReceiver("dlq-peek", { subQueueType: "deadLetter" });
    const all = await dlq.peekMessages(10, { fromSequenceNumber: Long.fromNumber(1) });
    expect(all.map((m) => [m.body, m.sequenceNumber?.toNumber(), Number(m.enqueuedSequenceNumber)])).toEqual([
      ["second", 1, second!.sequenceNumber!.toNumber()],
      ["first", 2, first!.sequenceNumber!.toNumber()],
    ]);
    const dead = await receiveAtLeast(dlq, 2);
    for (const message of dead) await dlq.completeMessage(message);
    await dlq.close();
    await receiver.close();
  });

  it("keeps a message locked while the SDK renews the lock automatically", async () => {
    await bus.client.createSender("renew").sendMessages({ body: "slow" });
    const receiver = bus.client.createReceiver("renew", { maxAutoLockRenewalDurationInMs: 30_000 });
    const [message] = await receiveAtLeast(receiver, 1);
    const firstLockedUntil = message!.lockedUntilUtc!.getTime();
    await sleep(SHORT_LOCK * 2.5);
    expect(message!.lockedUntilUtc!.getTime()).toBeGreaterThan(firstLockedUntil);
    const other = new ServiceBusClient(bus.emulator.connectionString, FAST_RETRIES);
    expect(await other.createReceiver("renew").receiveMessages(1, { maxWaitTimeInMs: 300 })).toEqual([]);
    await other.close();
    const renewed = await receiver.renewMessageLock(message!);
    expect(renewed.getTime()).toBeGreaterThan(Date.now());
    await receiver.completeMessage(message!);
    await receiver.close();
  });

  it("redelivers a message whose lock expired, with deliveryCount + 1, and reports the old lock as lost", async () => {
    await bus.client.createSender("expiry").sendMessages({ body: "forgotten" });
    const receiver = bus.client.createReceiver("expiry", { maxAutoLockRenewalDurationInMs: 0 });
    const [first] = await receiveAtLeast(receiver, 1);
    expect(first?.deliveryCount).toBe(0);
    await sleep(SHORT_LOCK + 300);
    const [second] = await receiveAtLeast(receiver, 1);
    expect(second?.body).toBe("forgotten");
    expect(second?.deliveryCount).toBe(1);
    const lost = await captureError(receiver.completeMessage(first!));
    expect(errorCodes(lost)).toContain("MessageLockLost");
    const renewLost = await captureError(receiver.renewMessageLock(first!));
    expect(errorCodes(renewLost)).toContain("MessageLockLost");
    await receiver.completeMessage(second!);
    await receiver.close();
  });

  it("dead-letters a message with MaxDeliveryCountExceeded after maxDeliveryCount deliveries", async () => {
    await bus.client.createSender("limit").sendMessages({ body: "never works" });
    const receiver = bus.client.createReceiver("limit");
    for (let attempt = 0; attempt < 3; attempt++) {
      const [message] = await receiveAtLeast(receiver, 1);
      expect(message?.deliveryCount).toBe(attempt);
      await receiver.abandonMessage(message!);
    }
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toEqual([]);
    const dlq = bus.client.createReceiver("limit", { subQueueType: "deadLetter" });
    const [dead] = await receiveAtLeast(dlq, 1);
    expect(dead?.body).toBe("never works");
    expect(dead?.deadLetterReason).toBe("MaxDeliveryCountExceeded");
    expect(dead?.deliveryCount).toBe(3);
    await dlq.completeMessage(dead!);
    await dlq.close();
    await receiver.close();
  });

  it("redelivers a locked message after the receiver's connection drops", async () => {
    await bus.client.createSender("drop").sendMessages({ body: "in flight" });
    const doomed = new ServiceBusClient(bus.emulator.connectionString, FAST_RETRIES);
    const [message] = await receiveAtLeast(doomed.createReceiver("drop"), 1);
    expect(message?.body).toBe("in flight");
    await doomed.close();
    const receiver = bus.client.createReceiver("drop");
    const [again] = await receiveAtLeast(receiver, 1, SHORT_LOCK + 3000);
    expect(again?.body).toBe("in flight");
    expect(again?.deliveryCount).toBe(1);
    await receiver.completeMessage(again!);
    await receiver.close();
  });
});
