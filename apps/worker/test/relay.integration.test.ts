import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ServiceBusClient } from "@azure/service-bus";
import { EXPORT_REQUESTED_V1 } from "@reports/contracts";
import { createDb, OUTBOX_NOTIFY_CHANNEL } from "@reports/db";
import { createTestDatabase, type TestDatabase } from "@reports/db/testing";
import { type RunningEmulator, startEmulator } from "@reports/servicebus-emulator";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { relayOutboxBatch } from "../src/relay/relay-outbox-batch.ts";
import { startRelay } from "../src/relay/start-relay.ts";
import { receiveAll, silentLog, waitFor } from "./support.ts";

// No duplicate detection on this queue: a row sent twice would show up twice.
const QUEUE = "relay-test";
const RETRY = { maxRetries: 1, retryDelayInMs: 200, maxRetryDelayInMs: 500, timeoutInMs: 3_000 };

let database: TestDatabase;
let emulator: RunningEmulator;
let dataDir: string;

async function insertOutboxRows(count: number) {
  const ids = Array.from({ length: count }, () => randomUUID());
  await database.db.pool.query(
    `INSERT INTO outbox_messages (id, type, payload, correlation_id, traceparent, created_at)
     SELECT id, $2, jsonb_build_object('type', $2::text, 'reportId', id), id::text, '00-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-bbbbbbbbbbbbbbbb-01',
            now() + n * interval '1 microsecond'
       FROM unnest($1::uuid[]) WITH ORDINALITY AS t(id, n)`,
    [ids, EXPORT_REQUESTED_V1],
  );
  return ids;
}

async function unsentCount() {
  const { rows } = await database.db.pool.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM outbox_messages WHERE sent_at IS NULL",
  );
  return rows[0]!.n;
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "worker-relay-sb-"));
  [database, emulator] = await Promise.all([
    createTestDatabase({ name: "worker_relay" }),
    startEmulator({ queues: [QUEUE], dataDir }),
  ]);
});

afterAll(async () => {
  await Promise.allSettled([emulator?.close(), database?.drop()]);
  await rm(dataDir, { recursive: true, force: true });
});

beforeEach(async () => {
  await database.db.pool.query("DELETE FROM outbox_messages");
});

describe("relayOutboxBatch", () => {
  it("sends rows as messages with the row id, report id, type and traceparent, and marks them sent", async () => {
    const [id] = await insertOutboxRows(1);
    const client = new ServiceBusClient(emulator.connectionString, { retryOptions: RETRY });
    const sender = client.createSender(QUEUE);
    const result = await relayOutboxBatch({
      pool: database.db.pool,
      sender,
      relayId: "test",
      batchSize: 10,
      leaseMs: 30_000,
    });
    expect(result).toEqual({ claimed: 1, sent: 1 });
    const [message, ...rest] = await receiveAll(client.createReceiver(QUEUE), { idleMs: 500 });
    expect(rest).toHaveLength(0);
    expect(message).toMatchObject({
      messageId: id,
      correlationId: id,
      subject: EXPORT_REQUESTED_V1,
      contentType: "application/json",
      body: { type: EXPORT_REQUESTED_V1, reportId: id },
      applicationProperties: {
        type: EXPORT_REQUESTED_V1,
        traceparent: "00-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-bbbbbbbbbbbbbbbb-01",
      },
    });
    const { rows } = await database.db.pool.query(
      "SELECT sent_at, attempts, locked_by, locked_until FROM outbox_messages",
    );
    expect(rows[0]).toMatchObject({ attempts: 1, locked_by: null, locked_until: null });
    expect(rows[0].sent_at).toBeInstanceOf(Date);
    await client.close();
  });
});

describe("startRelay", () => {
  it("sends each of 1,000 rows exactly once with two relays racing", async () => {
    const ids = await insertOutboxRows(1_000);
    const clients = [0, 1].map(
      () => new ServiceBusClient(emulator.connectionString, { retryOptions: RETRY }),
    );
    // Separate pools, as two worker instances would have.
    const dbs = [0, 1].map(() => createDb({ url: database.url, maxConnections: 4 }));
    const relays = [0, 1].map((index) =>
      startRelay({
        pool: dbs[index]!.pool,
        serviceBus: clients[index]!,
        queue: QUEUE,
        relayId: `relay-${index}`,
        batchSize: 50,
        pollIntervalMs: 200,
        leaseMs: 30_000,
        log: silentLog,
      }),
    );
    await waitFor(async () => (await unsentCount()) === 0, { what: "every row sent" });
    await Promise.all(relays.map((relay) => relay.close()));

    const messages = await receiveAll(clients[0]!.createReceiver(QUEUE, { receiveMode: "receiveAndDelete" }));
    const received = messages.map((message) => String(message.messageId));
    expect(received).toHaveLength(1_000);
    expect(new Set(received).size).toBe(1_000);
    expect(new Set(received)).toEqual(new Set(ids));
    // Every row was claimed once: no relay ever took a row the other held.
    const { rows } = await database.db.pool.query<{ attempts: number; n: number }>(
      "SELECT attempts, count(*)::int AS n FROM outbox_messages GROUP BY attempts",
    );
    expect(rows).toEqual([{ attempts: 1, n: 1_000 }]);
    await Promise.all([...clients.map((client) => client.close()), ...dbs.map((db) => db.close())]);
  });

  it("wakes on NOTIFY well before its polling interval", async () => {
    const client = new ServiceBusClient(emulator.connectionString, { retryOptions: RETRY });
    const relay = startRelay({
      pool: database.db.pool,
      serviceBus: client,
      queue: QUEUE,
      relayId: "notify",
      batchSize: 10,
      pollIntervalMs: 60_000,
      leaseMs: 30_000,
      log: silentLog,
    });
    // Let the first (empty) round and the LISTEN happen.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await insertOutboxRows(3);
    const started = Date.now();
    await database.db.pool.query("SELECT pg_notify($1, '')", [OUTBOX_NOTIFY_CHANNEL]);
    await waitFor(async () => (await unsentCount()) === 0, {
      timeoutMs: 5_000,
      what: "rows sent after NOTIFY",
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    await relay.close();
    await receiveAll(client.createReceiver(QUEUE, { receiveMode: "receiveAndDelete" }), { idleMs: 500 });
    await client.close();
  });

  it("keeps rows unsent while the broker is down, backs off, and sends them once it is back on the same port", async () => {
    const port = emulator.port;
    const client = new ServiceBusClient(emulator.connectionString, { retryOptions: RETRY });
    await emulator.close();
    const ids = await insertOutboxRows(20);
    const relay = startRelay({
      pool: database.db.pool,
      serviceBus: client,
      queue: QUEUE,
      relayId: "outage",
      batchSize: 8,
      pollIntervalMs: 200,
      leaseMs: 30_000,
      log: silentLog,
      backoff: { baseMs: 100, maxMs: 1_000 },
    });
    // Several failed rounds: rows stay unsent, unleased, with the error recorded.
    const failing = await waitFor(
      async () => {
        const { rows } = await database.db.pool.query<{ attempts: number; last_error: string | null }>(
          "SELECT max(attempts)::int AS attempts, max(last_error) AS last_error FROM outbox_messages",
        );
        return rows[0]!.attempts >= 3 ? rows[0] : undefined;
      },
      { timeoutMs: 30_000, what: "repeated failed attempts" },
    );
    expect(failing.last_error).toBeTruthy();
    expect(await unsentCount()).toBe(20);

    emulator = await startEmulator({ queues: [QUEUE], dataDir, port });
    await waitFor(async () => (await unsentCount()) === 0, {
      timeoutMs: 30_000,
      what: "rows sent after recovery",
    });
    await relay.close();
    const messages = await receiveAll(client.createReceiver(QUEUE, { receiveMode: "receiveAndDelete" }));
    expect(new Set(messages.map((message) => String(message.messageId)))).toEqual(new Set(ids));
    const { rows } = await database.db.pool.query(
      "SELECT count(*)::int AS n FROM outbox_messages WHERE last_error IS NOT NULL OR locked_by IS NOT NULL",
    );
    expect(rows[0].n).toBe(0);
    await client.close();
  });
});
