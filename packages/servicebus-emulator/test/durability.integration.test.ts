import { ServiceBusClient, type ServiceBusReceivedMessage } from "@azure/service-bus";
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator } from "../src/index.ts";
import { spawnCli, waitForExit } from "./cli-process.ts";
import { FAST_RETRIES, makeTempDir, receiveAtLeast, sleep } from "./helpers.ts";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function drain(
  client: ServiceBusClient,
  queue: string,
  subQueue = false,
): Promise<ServiceBusReceivedMessage[]> {
  const receiver = client.createReceiver(queue, {
    receiveMode: "receiveAndDelete",
    ...(subQueue ? { subQueueType: "deadLetter" as const } : {}),
  });
  const all: ServiceBusReceivedMessage[] = [];
  for (;;) {
    const batch = await receiver.receiveMessages(500, { maxWaitTimeInMs: 700 });
    if (batch.length === 0) break;
    all.push(...batch);
  }
  await receiver.close();
  return all;
}

describe("durability with a data directory", () => {
  it("brings back active, deferred, scheduled and dead-lettered messages after a graceful restart on the same port", async () => {
    const temp = await makeTempDir("sb-durable");
    cleanups.push(temp.remove);
    const queues = [{ name: "jobs", maxDeliveryCount: 5, requiresDuplicateDetection: true }];
    let emulator = await startEmulator({ port: 0, dataDir: temp.dir, queues });
    const port = emulator.port;
    cleanups.push(() => emulator.close());
    let client = new ServiceBusClient(emulator.connectionString, FAST_RETRIES);
    const sender = client.createSender("jobs");
    await sender.sendMessages([
      { body: "a", messageId: "id-a" },
      { body: "b", messageId: "id-b" },
      { body: "c", messageId: "id-c" },
      { body: "d", messageId: "id-d" },
    ]);
    await sender.scheduleMessages({ body: "s", messageId: "id-s" }, new Date(Date.now() + 60_000));
    const receiver = client.createReceiver("jobs");
    const [a, b, c] = await receiveAtLeast(receiver, 3);
    await receiver.abandonMessage(a!);
    await receiver.deferMessage(b!);
    await receiver.deadLetterMessage(c!, {
      deadLetterReason: "Bad",
      deadLetterErrorDescription: "bad input",
    });
    const [aAgain] = await receiveAtLeast(receiver, 1);
    expect(aAgain?.deliveryCount).toBe(1);
    await receiver.abandonMessage(aAgain!);
    await client.close();
    await emulator.close();

    emulator = await startEmulator({ port, dataDir: temp.dir, queues });
    expect(emulator.port).toBe(port);
    client = new ServiceBusClient(emulator.connectionString, FAST_RETRIES);
    cleanups.push(() => client.close());
    const peeked = await client.createReceiver("jobs").peekMessages(10);
    expect(peeked.map((m) => [m.body, m.state, m.deliveryCount])).toEqual([
      ["a", "active", 2],
      ["b", "deferred", 1],
      ["d", "active", 0],
      ["s", "scheduled", 0],
    ]);
    // the dead-letter queue goes on numbering its arrivals where it left off
    const receiverAfter = client.createReceiver("jobs");
    const [aLocked] = await receiveAtLeast(receiverAfter, 1);
    expect(aLocked?.body).toBe("a");
    await receiverAfter.deadLetterMessage(aLocked!, {
      deadLetterReason: "Later",
      deadLetterErrorDescription: "after the restart",
    });
    await receiverAfter.close();
    const dead = await drain(client, "jobs", true);
    expect(
      dead.map((m) => [
        m.body,
        m.deadLetterReason,
        m.sequenceNumber?.toNumber(),
        Number(m.enqueuedSequenceNumber),
      ]),
    ).toEqual([
      ["c", "Bad", 1, c!.sequenceNumber!.toNumber()],
      ["a", "Later", 2, a!.sequenceNumber!.toNumber()],
    ]);
    // duplicate detection history survives too
    await client.createSender("jobs").sendMessages({ body: "a again", messageId: "id-a" });
    const active = await drain(client, "jobs");
    expect(active.map((m) => m.body)).toEqual(["d"]);
    await client.close();
    await emulator.close();
  });

  it("lets a client created before the restart carry on once the emulator is back", async () => {
    const temp = await makeTempDir("sb-reconnect");
    cleanups.push(temp.remove);
    const queues = ["jobs"];
    let emulator = await startEmulator({ port: 0, dataDir: temp.dir, queues });
    const port = emulator.port;
    const client = new ServiceBusClient(emulator.connectionString, FAST_RETRIES);
    cleanups.push(() => client.close());
    const sender = client.createSender("jobs");
    await sender.sendMessages({ body: "before" });
    await emulator.close();
    emulator = await startEmulator({ port, dataDir: temp.dir, queues });
    cleanups.push(() => emulator.close());
    // the SDK fails fast while it still believes the broker is down; callers own the retry
    let sent = false;
    for (let attempt = 0; attempt < 20 && !sent; attempt++) {
      try {
        await sender.sendMessages({ body: "after" });
        sent = true;
      } catch {
        await sleep(250);
      }
    }
    expect(sent).toBe(true);
    const received = await receiveAtLeast(
      client.createReceiver("jobs", { receiveMode: "receiveAndDelete" }),
      2,
    );
    expect(received.map((m) => m.body)).toEqual(["before", "after"]);
  });

  it("loses no accepted message when the process is killed with SIGKILL mid-traffic", async () => {
    const temp = await makeTempDir("sb-kill");
    cleanups.push(temp.remove);
    const args = ["--port", "0", "--queue", "jobs", "--data-dir", temp.dir, "--log-level", "warn"];
    const first = await spawnCli(args);
    cleanups.push(async () => first.child.kill("SIGKILL"));
    const client = new ServiceBusClient(first.connectionString, {
      retryOptions: { maxRetries: 0, retryDelayInMs: 100, timeoutInMs: 2000 },
    });
    cleanups.push(() => client.close());
    const sender = client.createSender("jobs");
    const accepted = new Set<string>();
    let stop = false;
    const writers = [0, 1, 2, 3].map(async (writer) => {
      for (let i = 0; !stop; i++) {
        const id = `w${writer}-${i}`;
        try {
          if (i % 5 === 0) {
            await sender.sendMessages(
              [0, 1, 2].map((k) => ({ body: `${id}-${k}`, messageId: `${id}-${k}` })),
            );
            for (const k of [0, 1, 2]) accepted.add(`${id}-${k}`);
          } else {
            await sender.sendMessages({ body: id, messageId: id });
            accepted.add(id);
          }
        } catch {
          return;
        }
      }
    });
    while (accepted.size < 300) await sleep(5);
    first.child.kill("SIGKILL");
    expect((await waitForExit(first.child)).signal).toBe("SIGKILL");
    stop = true;
    await Promise.all(writers);
    const acceptedBeforeKill = [...accepted];

    const second = await spawnCli(["--port", String(first.port), ...args.slice(2)]);
    cleanups.push(async () => second.child.kill("SIGKILL"));
    expect(second.port).toBe(first.port);
    const reader = new ServiceBusClient(second.connectionString, FAST_RETRIES);
    cleanups.push(() => reader.close());
    const survivors = new Set((await drain(reader, "jobs")).map((m) => String(m.messageId)));
    const lost = acceptedBeforeKill.filter((id) => !survivors.has(id));
    expect(lost).toEqual([]);
    expect(acceptedBeforeKill.length).toBeGreaterThanOrEqual(300);
  });
});
