import { ServiceBusClient } from "@azure/service-bus";
import { REPORT_FAILURE_REASONS } from "@reports/contracts";
import { createTestDatabase, type TestDatabase } from "@reports/db/testing";
import { type RunningEmulator, startEmulator } from "@reports/servicebus-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDeadLetterWatcher } from "../src/consumer/start-dead-letter-watcher.ts";
import { acceptReport, getReport, peekAll, silentLog, waitFor, waitForStatus } from "./support.ts";

const QUEUE = "watched";

let database: TestDatabase;
let emulator: RunningEmulator;
let serviceBus: ServiceBusClient;

beforeAll(async () => {
  [database, emulator] = await Promise.all([
    createTestDatabase({ name: "worker_dlq" }),
    startEmulator({ queues: [{ name: QUEUE, maxDeliveryCount: 2, lockDurationMs: 2_000 }] }),
  ]);
  serviceBus = new ServiceBusClient(emulator.connectionString, {
    retryOptions: { maxRetries: 1, retryDelayInMs: 200, timeoutInMs: 5_000 },
  });
});

afterAll(async () => {
  await serviceBus?.close();
  await Promise.allSettled([emulator?.close(), database?.drop()]);
});

describe("dead-letter watcher", () => {
  it("marks a report Failed when its message exceeds the delivery count (a worker died on every delivery)", async () => {
    const { reportId, outboxId, payload } = await acceptReport(database.db.pool, {});
    await database.db.pool.query("UPDATE reports SET status = 'Processing', attempts = 2 WHERE id = $1", [
      reportId,
    ]);
    const sender = serviceBus.createSender(QUEUE);
    const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    await sender.sendMessages({
      messageId: outboxId,
      correlationId: reportId,
      body: payload,
      applicationProperties: { type: "reports.export-requested.v1", traceparent },
    });
    await sender.close();
    // Two deliveries abandoned, as a crashing worker's expiring locks would: the broker
    // moves the message to the DLQ with MaxDeliveryCountExceeded.
    const receiver = serviceBus.createReceiver(QUEUE);
    for (let delivery = 0; delivery < 2; delivery += 1) {
      const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5_000 });
      expect(message?.messageId).toBe(outboxId);
      await receiver.abandonMessage(message!);
    }
    await receiver.close();

    const watcher = startDeadLetterWatcher({
      serviceBus,
      queue: QUEUE,
      pool: database.db.pool,
      log: silentLog,
    });
    try {
      const report = await waitForStatus(database.db.pool, reportId, "Failed");
      expect(report.error).toBe(REPORT_FAILURE_REASONS.interrupted);
      expect(report.error_detail).toContain("MaxDeliveryCountExceeded");
      expect(report.completed_at).toBeInstanceOf(Date);
      await waitFor(async () => (await peekAll(serviceBus, QUEUE, "deadLetter")).length === 0, {
        what: "the dead-letter queue to be drained",
      });
      // Kept whole for the operator console, with a line in the report's story.
      const recorded = await database.db.pool.query("SELECT * FROM dead_letters WHERE report_id = $1", [
        reportId,
      ]);
      expect(recorded.rows).toEqual([
        expect.objectContaining({
          queue: QUEUE,
          message_id: outboxId,
          reason: "MaxDeliveryCountExceeded",
          body: payload,
          redriven_at: null,
        }),
      ]);
      // The broker adds its DeadLetterReason and description, as Service Bus does.
      expect(recorded.rows[0].application_properties).toMatchObject({
        type: "reports.export-requested.v1",
        traceparent,
        DeadLetterReason: "MaxDeliveryCountExceeded",
      });
      const story = await database.db.pool.query(
        "SELECT event, detail, trace_id FROM report_story WHERE report_id = $1 ORDER BY id",
        [reportId],
      );
      expect(story.rows.map((row) => row.event)).toEqual(["status", "dead-lettered", "status"]);
      expect(story.rows[1]).toMatchObject({
        detail: { reason: "MaxDeliveryCountExceeded", deadLetterId: recorded.rows[0].id },
        trace_id: "4bf92f3577b34da6a3ce929d0e0e4736",
      });
      expect(story.rows[2]).toMatchObject({ detail: { from: "Processing", to: "Failed" } });
    } finally {
      await watcher.close();
    }
  });

  it("leaves a report that is already final untouched", async () => {
    const { reportId, outboxId, payload } = await acceptReport(database.db.pool, {});
    await database.db.pool.query(
      "UPDATE reports SET status = 'Completed', completed_at = now(), row_count = 1 WHERE id = $1",
      [reportId],
    );
    const before = await getReport(database.db.pool, reportId);
    const sender = serviceBus.createSender(QUEUE);
    await sender.sendMessages({ messageId: outboxId, correlationId: reportId, body: payload });
    await sender.close();
    const receiver = serviceBus.createReceiver(QUEUE);
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5_000 });
    await receiver.deadLetterMessage(message!, {
      deadLetterReason: "ExportFailed",
      deadLetterErrorDescription: "late",
    });
    await receiver.close();

    const watcher = startDeadLetterWatcher({
      serviceBus,
      queue: QUEUE,
      pool: database.db.pool,
      log: silentLog,
    });
    try {
      await waitFor(async () => (await peekAll(serviceBus, QUEUE, "deadLetter")).length === 0, {
        what: "the dead-letter queue to be drained",
      });
      expect(await getReport(database.db.pool, reportId)).toEqual(before);
    } finally {
      await watcher.close();
    }
  });
});
