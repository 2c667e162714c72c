import {
  ServiceBusAdministrationClient,
  ServiceBusClient,
  type ServiceBusReceiver,
} from "@azure/service-bus";
import { afterEach, describe, expect, it } from "vitest";
import { redeliverCompleted } from "../src/index.ts";
import { spawnCli } from "./cli-process.ts";
import { captureError, FAST_RETRIES, receiveAtLeast, startTestBus, type TestBus } from "./helpers.ts";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function startBus(faults: { redeliverCompletedProbability?: number; seed?: number }): Promise<TestBus> {
  const bus = await startTestBus([{ name: "q", requiresDuplicateDetection: true }], { faults });
  cleanups.push(() => bus.close());
  return bus;
}

/**
 * Receives and completes one message at a time until the broker itself says the queue holds
 * nothing (its administration API), so a slow machine cannot end the drain early; returns
 * the ids in the order received.
 */
async function drain(bus: TestBus, receiver: ServiceBusReceiver, queue = "q"): Promise<string[]> {
  const admin = new ServiceBusAdministrationClient(bus.emulator.connectionString, {
    tlsOptions: { ca: await bus.emulator.certificate() },
    retryOptions: { maxRetries: 0 },
  });
  const ids: string[] = [];
  for (;;) {
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 200 });
    if (message) {
      ids.push(String(message.messageId));
      await receiver.completeMessage(message);
      if (ids.length > 500) throw new Error("the queue never ran dry");
      continue;
    }
    const { totalMessageCount } = await admin.getQueueRuntimeProperties(queue);
    if (totalMessageCount === 0) return ids;
  }
}

describe("fault injection: a completed message delivered again", () => {
  it("enqueues a copy with the same id, properties and body past duplicate detection when the fault strikes", async () => {
    const bus = await startBus({ redeliverCompletedProbability: 1, seed: 1 });
    await bus.client
      .createSender("q")
      .sendMessages({ messageId: "a", body: { n: 1 }, applicationProperties: { kind: "test" } });
    const receiver = bus.client.createReceiver("q");
    const [first] = await receiveAtLeast(receiver, 1);
    await receiver.completeMessage(first!);
    const [again] = await receiveAtLeast(receiver, 1);
    expect(again).toMatchObject({
      messageId: "a",
      body: { n: 1 },
      applicationProperties: { kind: "test" },
      deliveryCount: 0,
    });
    expect(Number(again!.sequenceNumber)).toBeGreaterThan(Number(first!.sequenceNumber));
  });

  it("draws the same faults from the same seed, and others from another", async () => {
    const run = async (seed: number) => {
      const bus = await startBus({ redeliverCompletedProbability: 0.3, seed });
      expect(bus.emulator.faults.seed).toBe(seed);
      await bus.client
        .createSender("q")
        .sendMessages(Array.from({ length: 30 }, (_, index) => ({ messageId: `m${index}`, body: index })));
      return drain(bus, bus.client.createReceiver("q"));
    };
    const first = await run(7);
    expect(new Set(first).size).toBe(30);
    expect(first.length).toBeGreaterThan(30);
    expect(await run(7)).toEqual(first);
    expect(await run(8)).not.toEqual(first);
  });

  it("enqueues the last N completed messages on request, in process and over HTTP, with faults otherwise off", async () => {
    const bus = await startBus({});
    const sender = bus.client.createSender("q");
    await sender.sendMessages(["a", "b", "c", "d"].map((id) => ({ messageId: id, body: id })));
    const receiver = bus.client.createReceiver("q");
    expect(await drain(bus, receiver)).toEqual(["a", "b", "c", "d"]);

    expect(await bus.emulator.faults.redeliverCompleted("q", 2)).toBe(2);
    const copies = await receiveAtLeast(receiver, 2);
    expect(copies.map((message) => [message.messageId, message.body])).toEqual([
      ["c", "c"],
      ["d", "d"],
    ]);
    for (const message of copies) await receiver.completeMessage(message);

    const { connectionString } = bus.emulator;
    expect(await redeliverCompleted({ connectionString, queue: "q", count: 1 })).toBe(1);
    expect(await drain(bus, receiver)).toEqual(["d"]);

    // a client sending the same id again is still a duplicate
    await sender.sendMessages({ messageId: "a", body: "a" });
    expect(await drain(bus, receiver)).toEqual([]);

    const unknown = await captureError(redeliverCompleted({ connectionString, queue: "nope", count: 1 }));
    expect(unknown.message).toMatch(/404 .*names no declared queue \('nope'\)/);
    const wrongKey = connectionString.replace("SAS_KEY_VALUE", "not-the-key");
    const refused = await captureError(
      redeliverCompleted({ connectionString: wrongKey, queue: "q", count: 1 }),
    );
    expect(refused.message).toMatch(/^redeliverCompleted: 401 InvalidSignature/);
  });

  it("is turned on from the command line, with the seed in the start-up log", async () => {
    const cli = await spawnCli([
      "--port",
      "0",
      "--queue",
      "q",
      "--redeliver-completed-probability",
      "1",
      "--fault-seed",
      "42",
    ]);
    cleanups.push(async () => cli.child.kill("SIGKILL"));
    const client = new ServiceBusClient(cli.connectionString, FAST_RETRIES);
    cleanups.push(() => client.close());
    await client.createSender("q").sendMessages({ messageId: "x", body: "x" });
    const receiver = client.createReceiver("q");
    const [first] = await receiveAtLeast(receiver, 1);
    await receiver.completeMessage(first!);
    const [again] = await receiveAtLeast(receiver, 1);
    expect(again?.messageId).toBe("x");
    expect(cli.stderr()).toContain('"faults":{"redeliverCompletedProbability":1,"seed":42}');
    expect(cli.stderr()).toContain("fault injected: a completed message is delivered again");
  });
});
