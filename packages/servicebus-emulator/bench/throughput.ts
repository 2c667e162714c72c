// Throughput and latency of the emulator through the real SDK (not a test).
// Usage: npm run bench -w @reports/servicebus-emulator -- [messages=5000]
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ServiceBusClient, type ServiceBusMessage } from "@azure/service-bus";
import { startEmulator } from "../src/index.ts";

const N = Number(process.argv[2] ?? 5000);
const LATENCY_MESSAGES = Math.min(2000, N);
const RETRIES = { retryOptions: { maxRetries: 1, retryDelayInMs: 200, timeoutInMs: 30_000 } };

interface Result {
  mode: string;
  sendPerSec: number;
  receivePerSec: number;
  p50: number;
  p99: number;
}

async function sendBatched(client: ServiceBusClient, queue: string, count: number): Promise<void> {
  const sender = client.createSender(queue);
  const body = { reportId: 0, kind: "popularity", padding: "x".repeat(200) };
  const batches: ServiceBusMessage[][] = [];
  for (let i = 0; i < count; i += 100) {
    batches.push(
      Array.from({ length: Math.min(100, count - i) }, (_, k) => ({ body: { ...body, reportId: i + k } })),
    );
  }
  // a few batches in flight, as a relay would do
  let next = 0;
  await Promise.all(
    [0, 1, 2, 3].map(async () => {
      while (next < batches.length) {
        const messages = batches[next++]!;
        const batch = await sender.createMessageBatch();
        for (const message of messages) if (!batch.tryAddMessage(message)) throw new Error("batch full");
        await sender.sendMessages(batch);
      }
    }),
  );
  await sender.close();
}

async function receiveAndComplete(client: ServiceBusClient, queue: string, count: number): Promise<void> {
  const receiver = client.createReceiver(queue);
  let done = 0;
  while (done < count) {
    const messages = await receiver.receiveMessages(200, { maxWaitTimeInMs: 2000 });
    if (messages.length === 0) throw new Error(`only ${done} of ${count} messages received`);
    await Promise.all(messages.map((message) => receiver.completeMessage(message)));
    done += messages.length;
  }
  await receiver.close();
}

async function measureLatency(client: ServiceBusClient, queue: string, count: number): Promise<number[]> {
  const latencies: number[] = [];
  const receiver = client.createReceiver(queue);
  let completed = 0;
  const finished = new Promise<void>((resolve, reject) => {
    receiver.subscribe(
      {
        async processMessage(message) {
          latencies.push(performance.now() - Number(message.applicationProperties?.sentAt));
          // Finish only once every completion is acknowledged: closing the receiver while the last
          // auto-completions were in flight left their SDK settlement timers (timeoutInMs, 30 s
          // here) running, as the SDK does not clear them on close, and the process alive with them.
          await receiver.completeMessage(message);
          if (++completed === count) resolve();
        },
        async processError(args) {
          reject(args.error);
        },
      },
      { maxConcurrentCalls: 20, autoCompleteMessages: false },
    );
  });
  const sender = client.createSender(queue);
  // a steady trickle of single sends, each timed from the moment it is handed to the SDK
  let sent = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (sent < count) {
        sent++;
        await sender.sendMessages({ body: "ping", applicationProperties: { sentAt: performance.now() } });
      }
    }),
  );
  await finished;
  await receiver.close();
  await sender.close();
  return latencies.sort((a, b) => a - b);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function run(mode: "memory" | "data dir"): Promise<Result> {
  const dir = mode === "data dir" ? await mkdtemp(path.join(tmpdir(), "sb-bench-")) : undefined;
  const emulator = await startEmulator({
    port: 0,
    dataDir: dir,
    queues: ["bench", "latency"],
  });
  const client = new ServiceBusClient(emulator.connectionString, RETRIES);
  try {
    let started = performance.now();
    await sendBatched(client, "bench", N);
    const sendPerSec = N / ((performance.now() - started) / 1000);
    started = performance.now();
    await receiveAndComplete(client, "bench", N);
    const receivePerSec = N / ((performance.now() - started) / 1000);
    const latencies = await measureLatency(client, "latency", LATENCY_MESSAGES);
    return {
      mode,
      sendPerSec,
      receivePerSec,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
    };
  } finally {
    await client.close();
    await emulator.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

const results: Result[] = [];
for (const mode of ["memory", "data dir"] as const) results.push(await run(mode));
console.warn(
  `${N} messages (~300-byte JSON bodies), send in batches of 100 (4 in flight), receive 200 at a time`,
);
console.warn(`latency: ${LATENCY_MESSAGES} single sends (8 in flight) to a subscribe() receiver`);
console.warn("| mode | send msgs/s | peek-lock receive+complete msgs/s | send→receive p50 | p99 |");
console.warn("|---|---|---|---|---|");
for (const r of results) {
  console.warn(
    `| ${r.mode} | ${Math.round(r.sendPerSec)} | ${Math.round(r.receivePerSec)} | ${r.p50.toFixed(1)} ms | ${r.p99.toFixed(1)} ms |`,
  );
}
