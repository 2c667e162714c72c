import { randomUUID } from "node:crypto";
import { ServiceBusAdministrationClient, ServiceBusClient } from "@azure/service-bus";
import { EXPORT_REQUESTED_V1 } from "@reports/contracts";
import { createTestDatabase, type TestDatabase } from "@reports/db/testing";
import { startEmulator } from "@reports/servicebus-emulator";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DownloadUrlSigner } from "../download-url.ts";
import { createQueueCountsReader } from "../services/admin/broker.ts";
import { createContextInner } from "./context.ts";
import { createCallerFactory } from "./init.ts";
import { appRouter } from "./root.ts";

const signer: DownloadUrlSigner = {
  createDownloadUrl: async ({ blobName }) => `https://storage.test/${blobName}`,
};
const createCaller = createCallerFactory(appRouter);

let testDb: TestDatabase;

beforeAll(async () => {
  testDb = await createTestDatabase({ name: "api_admin" });
});

afterAll(async () => {
  await testDb?.drop();
});

function callerFor(user: { userId: string; admin?: boolean } | null) {
  return createCaller(createContextInner({ db: testDb.db, signer, user }));
}

const operator = { userId: "ops", admin: true };

async function trpcError(promise: Promise<unknown>): Promise<TRPCError> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(TRPCError);
  return error as TRPCError;
}

/** A report of `owner` as the worker would leave it after giving up. */
async function failedReport(owner: string, error = "The export failed 5 times; last error: boom") {
  const traceparent = `00-${randomUUID().replaceAll("-", "")}-${"1".repeat(16)}-01`;
  const caller = createCaller(
    createContextInner({ db: testDb.db, signer, user: { userId: owner }, traceparent }),
  );
  const { report } = await caller.reports.request({
    kind: "popularity",
    parameters: { limit: 3 },
  });
  await testDb.db.pool.query(`UPDATE outbox_messages SET sent_at = now() WHERE correlation_id = $1`, [
    report.reportId,
  ]);
  await testDb.db.pool.query(
    `UPDATE reports SET status = 'Processing', attempts = attempts + 1, started_at = now() WHERE id = $1`,
    [report.reportId],
  );
  await testDb.db.pool.query(
    `UPDATE reports SET status = 'Failed', error = 'The report could not be generated.', error_detail = $2,
            completed_at = now() WHERE id = $1`,
    [report.reportId, error],
  );
  return report.reportId;
}

// Every admin procedure with an input it accepts: a non-admin must get FORBIDDEN from each,
// and the list must name every procedure the router has (a new one cannot slip through).
const ADMIN_CALLS: Record<string, (caller: ReturnType<typeof callerFor>) => Promise<unknown>> = {
  "admin.pipeline": (c) => c.admin.pipeline(),
  "admin.history": (c) => c.admin.history({ hours: 1 }),
  "admin.reports.search": (c) => c.admin.reports.search({}),
  "admin.reports.story": (c) => c.admin.reports.story({ reportId: randomUUID() }),
  "admin.reports.cancel": (c) => c.admin.reports.cancel({ reportId: randomUUID() }),
  "admin.reports.retry": (c) => c.admin.reports.retry({ reportId: randomUUID() }),
  "admin.deadLetters.list": (c) => c.admin.deadLetters.list({}),
  "admin.deadLetters.get": (c) => c.admin.deadLetters.get({ deadLetterId: randomUUID() }),
  "admin.deadLetters.redrive": (c) => c.admin.deadLetters.redrive({ deadLetterId: randomUUID() }),
};

describe("admin procedures: who may call them", () => {
  it("lists every admin procedure of the router", () => {
    const procedures = Object.keys(appRouter._def.procedures).filter((path) => path.startsWith("admin."));
    expect(procedures.sort()).toEqual(Object.keys(ADMIN_CALLS).sort());
  });

  it("answers FORBIDDEN to a signed-in user without the admin role, UNAUTHORIZED to nobody", async () => {
    for (const [path, call] of Object.entries(ADMIN_CALLS)) {
      expect((await trpcError(call(callerFor({ userId: "alice" })))).code, path).toBe("FORBIDDEN");
      expect((await trpcError(call(callerFor(null)))).code, path).toBe("UNAUTHORIZED");
    }
  });

  it("leaves end users' isolation as it was: an operator's own reports procedures see only their own", async () => {
    const { report } = await callerFor({ userId: "alice" }).reports.request({ kind: "popularity" });
    const error = await trpcError(callerFor(operator).reports.get({ reportId: report.reportId }));
    expect(error.code).toBe("NOT_FOUND");
  });
});

describe("admin procedures: what an operator sees", () => {
  it("finds another user's report by owner and status, and tells its story with the error detail", async () => {
    const reportId = await failedReport("carol", "The export failed 5 times; last error: relation missing");
    const page = await callerFor(operator).admin.reports.search({ ownerId: "carol", status: ["Failed"] });
    expect(page.items.map((item) => item.reportId)).toEqual([reportId]);
    expect(page.items[0]).toMatchObject({ ownerId: "carol", status: "Failed" });

    const story = await callerFor(operator).admin.reports.story({ reportId });
    // The detail users are not shown, beside the reason they are.
    expect(story.report.errorDetail).toMatch(/relation missing/);
    expect(story.report.error).toBe("The report could not be generated.");
    expect(story.events.at(-1)!.summary).toMatch(/Processing → Failed: .*relation missing/);
    expect(story.events.map((event) => event.event)).toEqual(["accepted", "relayed", "status", "status"]);
    expect(story.events.at(-1)).toMatchObject({
      event: "status",
      detail: { from: "Processing", to: "Failed" },
    });
    // The trace the request started (its traceparent, carried on the outbox row).
    const outbox = await testDb.db.prisma.outboxMessage.findFirstOrThrow({
      where: { correlationId: reportId },
    });
    expect(story.traceId).toBe(outbox.traceparent!.split("-")[1]);
    expect(story.events[0]!.traceId).toBe(story.traceId);
  });

  it("tells the relay of a message before its first delivery, even when the relay recorded it later", async () => {
    const { report } = await callerFor({ userId: "ivan" }).reports.request({ kind: "popularity" });
    const outbox = await testDb.db.prisma.outboxMessage.findFirstOrThrow({
      where: { correlationId: report.reportId },
    });
    await testDb.db.pool.query(
      `INSERT INTO report_story (report_id, event, actor, detail, at)
       SELECT $1::uuid, 'delivery', 'w1', $2::jsonb, created_at + interval '10 milliseconds' FROM reports WHERE id = $1`,
      [report.reportId, JSON.stringify({ messageId: outbox.id, deliveryCount: 0, worker: "w1" })],
    );
    await testDb.db.pool.query(
      "UPDATE outbox_messages SET sent_at = created_at + interval '20 milliseconds' WHERE id = $1",
      [outbox.id],
    );
    const story = await callerFor(operator).admin.reports.story({ reportId: report.reportId });
    expect(story.events.map((event) => event.event)).toEqual(["accepted", "relayed", "delivery"]);
  });

  it("records a claim, the size once known and each quarter of progress, and nothing for the rest", async () => {
    const { report } = await callerFor({ userId: "judy" }).reports.request({ kind: "popularity" });
    const update = (set: string) =>
      testDb.db.pool.query(`UPDATE reports SET ${set} WHERE id = $1`, [report.reportId]);
    await update("status = 'Processing', attempts = 1");
    await update("expected_rows = 0");
    await update("progress_rows = 0"); // nothing to divide by: no line, no error
    await update("expected_rows = 100");
    await update("progress_rows = 10");
    await update("progress_rows = 30");
    await update("progress_rows = 40");
    await update("progress_rows = 100");
    const story = await callerFor(operator).admin.reports.story({ reportId: report.reportId });
    expect(story.events.map((event) => [event.event, event.summary])).toEqual([
      ["accepted", "accepted for judy"],
      ["status", "Pending → Processing"],
      ["planned", "0 rows to write"],
      ["progress", "30 of 100 rows written"],
      ["progress", "100 of 100 rows written"],
    ]);
  });

  it("filters by creation time and pages newest first", async () => {
    const before = new Date(Date.now() - 1_000).toISOString();
    const ids = [];
    for (let i = 0; i < 3; i += 1) {
      const { report } = await callerFor({ userId: "paging" }).reports.request({ kind: "popularity" });
      ids.push(report.reportId);
    }
    const first = await callerFor(operator).admin.reports.search({
      ownerId: "paging",
      from: before,
      limit: 2,
    });
    expect(first.items.map((item) => item.reportId)).toEqual([ids[2], ids[1]]);
    const second = await callerFor(operator).admin.reports.search({
      ownerId: "paging",
      limit: 2,
      cursor: first.nextCursor!,
    });
    expect(second.items.map((item) => item.reportId)).toEqual([ids[0]]);
    expect(second.nextCursor).toBeNull();
    const none = await callerFor(operator).admin.reports.search({ ownerId: "paging", to: before });
    expect(none.items).toEqual([]);
  });

  it("counts the outbox, reports by status, running exports and workers in the pipeline snapshot", async () => {
    const { report } = await callerFor({ userId: "dave" }).reports.request({ kind: "popularity" });
    await testDb.db.pool.query(
      `UPDATE reports SET status = 'Processing', attempts = 1, started_at = now() - interval '3 seconds' WHERE id = $1`,
      [report.reportId],
    );
    await testDb.db.pool.query(
      `INSERT INTO worker_heartbeats (worker_id, host, pid, version, concurrency, started_at, last_seen_at, running)
       VALUES ('w-live', 'host-a', 1, 'v1', 2, now(), now(), $1::jsonb),
              ('w-lost', 'host-b', 2, 'v1', 2, now() - interval '1 hour', now() - interval '5 minutes', '[]'),
              ('w-done', 'host-c', 3, 'v1', 2, now() - interval '1 hour', now() - interval '5 minutes', '[]')`,
      [JSON.stringify([{ reportId: report.reportId, messageId: "m1", since: new Date().toISOString() }])],
    );
    await testDb.db.pool.query(`UPDATE worker_heartbeats SET stopped_at = now() WHERE worker_id = 'w-done'`);
    const snapshot = await callerFor(operator).admin.pipeline();
    const unsent = await testDb.db.prisma.outboxMessage.count({ where: { sentAt: null } });
    expect(snapshot.outbox.unsent).toBe(unsent);
    expect(snapshot.outbox.oldestUnsentAgeMs).toBeGreaterThanOrEqual(0);
    expect(snapshot.reportsByStatus.Processing).toBeGreaterThanOrEqual(1);
    const running = snapshot.runningExports.find((item) => item.reportId === report.reportId);
    expect(running?.runningForMs).toBeGreaterThanOrEqual(2_500);
    expect(
      Object.fromEntries(snapshot.workers.map((worker) => [worker.workerId, worker.state])),
    ).toMatchObject({
      "w-live": "live",
      "w-lost": "lost",
      "w-done": "stopped",
    });
    expect(snapshot.workers.find((worker) => worker.workerId === "w-live")?.running[0]?.reportId).toBe(
      report.reportId,
    );
    expect(snapshot.broker).toEqual({ ok: false, error: "Service Bus is not configured for the web app." });
  });

  it("buckets accepted, completed and failed reports per minute with duration percentiles", async () => {
    const reportId = await failedReport("erin");
    const { report } = await callerFor({ userId: "erin" }).reports.request({ kind: "popularity" });
    await testDb.db.pool.query(
      `UPDATE reports SET status = 'Processing', started_at = now() - interval '2 seconds' WHERE id = $1`,
      [report.reportId],
    );
    await testDb.db.pool.query(
      `UPDATE reports SET status = 'Completed', completed_at = now() WHERE id = $1`,
      [report.reportId],
    );
    const history = await callerFor(operator).admin.history({ hours: 1, bucketMinutes: 1 });
    expect(history.buckets).toHaveLength(60);
    const totals = history.buckets.reduce(
      (sum, bucket) => ({
        accepted: sum.accepted + bucket.accepted,
        completed: sum.completed + bucket.completed,
        failed: sum.failed + bucket.failed,
      }),
      { accepted: 0, completed: 0, failed: 0 },
    );
    const counts = await testDb.db.pool.query<{ accepted: string; completed: string; failed: string }>(
      `SELECT count(*) AS accepted,
              count(*) FILTER (WHERE status = 'Completed') AS completed,
              count(*) FILTER (WHERE status = 'Failed') AS failed FROM reports`,
    );
    expect(totals).toEqual({
      accepted: Number(counts.rows[0]!.accepted),
      completed: Number(counts.rows[0]!.completed),
      failed: Number(counts.rows[0]!.failed),
    });
    const withDuration = history.buckets.filter((bucket) => bucket.durationP50Ms !== null);
    expect(withDuration.length).toBeGreaterThan(0);
    expect(withDuration.at(-1)!.durationP95Ms).toBeGreaterThanOrEqual(1_900);
    expect(reportId).toBeTruthy();
  });
});

describe("admin actions", () => {
  it("retries a Failed report once: Pending, a new outbox row, recorded with who and when", async () => {
    const reportId = await failedReport("frank");
    const action = await callerFor(operator).admin.reports.retry({ reportId, idempotencyKey: "retry-1" });
    expect(action).toMatchObject({
      action: "retry",
      actor: "ops",
      reportId,
      status: "Pending",
      repeated: false,
    });
    const row = await testDb.db.prisma.report.findUniqueOrThrow({ where: { id: reportId } });
    expect(row).toMatchObject({ status: "Pending", error: null, completedAt: null });
    const outbox = await testDb.db.prisma.outboxMessage.findMany({
      where: { correlationId: reportId },
      orderBy: { createdAt: "asc" },
    });
    expect(outbox).toHaveLength(2);
    expect(outbox[1]).toMatchObject({ sentAt: null, type: EXPORT_REQUESTED_V1 });
    expect(outbox[1]!.traceparent).toBe(outbox[0]!.traceparent);

    // The same request again: the recorded outcome, nothing done twice.
    const again = await callerFor(operator).admin.reports.retry({ reportId, idempotencyKey: "retry-1" });
    expect(again).toMatchObject({ id: action.id, repeated: true });
    expect(await testDb.db.prisma.outboxMessage.count({ where: { correlationId: reportId } })).toBe(2);
    // Another request: the report is no longer Failed.
    const conflict = await trpcError(callerFor(operator).admin.reports.retry({ reportId }));
    expect(conflict.code).toBe("CONFLICT");
    expect(conflict.message).toMatch(/is Pending; only a Failed report/);

    const story = await callerFor(operator).admin.reports.story({ reportId });
    const requeue = story.events.find((event) => event.event === "status" && event.detail.to === "Pending");
    expect(requeue).toMatchObject({ actor: "ops", detail: { from: "Failed", to: "Pending" } });
    expect(story.events.some((event) => event.event === "admin" && event.actor === "ops")).toBe(true);
    expect(story.actions).toEqual([expect.objectContaining({ action: "retry", actor: "ops" })]);
  });

  it("cancels another user's Pending report, and refuses a final one", async () => {
    const { report } = await callerFor({ userId: "gina" }).reports.request({ kind: "popularity" });
    const action = await callerFor(operator).admin.reports.cancel({ reportId: report.reportId });
    expect(action).toMatchObject({ action: "cancel", status: "Cancelled" });
    const conflict = await trpcError(callerFor(operator).admin.reports.cancel({ reportId: report.reportId }));
    expect(conflict.code).toBe("CONFLICT");
    const missing = await trpcError(callerFor(operator).admin.reports.cancel({ reportId: randomUUID() }));
    expect(missing.code).toBe("NOT_FOUND");
    expect(await testDb.db.prisma.adminAction.count({ where: { reportId: report.reportId } })).toBe(1);
  });

  it("re-drives a recorded dead letter once: its report back to Pending, its message back through the outbox", async () => {
    const reportId = await failedReport("hank");
    const outbox = await testDb.db.prisma.outboxMessage.findFirstOrThrow({
      where: { correlationId: reportId },
    });
    const deadLetterId = randomUUID();
    await testDb.db.prisma.deadLetter.create({
      data: {
        id: deadLetterId,
        queue: "report-requests",
        sequenceNumber: BigInt(Math.floor(Math.random() * 1e9)),
        messageId: outbox.id,
        correlationId: reportId,
        reportId,
        reason: "ExportFailed",
        description: "The export failed 5 times",
        subject: EXPORT_REQUESTED_V1,
        body: outbox.payload as object,
        applicationProperties: { type: EXPORT_REQUESTED_V1, traceparent: outbox.traceparent },
        deliveryCount: 5,
      },
    });
    const list = await callerFor(operator).admin.deadLetters.list({ open: true });
    expect(list.items.map((item) => item.id)).toContain(deadLetterId);

    const action = await callerFor(operator).admin.deadLetters.redrive({ deadLetterId });
    expect(action).toMatchObject({ action: "redrive", reportId, deadLetterId, status: "Pending" });
    const deadLetter = await callerFor(operator).admin.deadLetters.get({ deadLetterId });
    expect(deadLetter).toMatchObject({ redrivenBy: "ops" });
    const messages = await testDb.db.prisma.outboxMessage.findMany({
      where: { correlationId: reportId },
      orderBy: { createdAt: "asc" },
    });
    expect(messages).toHaveLength(2);
    expect(messages[1]!.payload).toEqual(outbox.payload);
    expect(messages[1]!.traceparent).toBe(outbox.traceparent);

    const again = await trpcError(callerFor(operator).admin.deadLetters.redrive({ deadLetterId }));
    expect(again.code).toBe("CONFLICT");
    expect(again.message).toMatch(/already re-driven by ops/);
    expect(await testDb.db.prisma.outboxMessage.count({ where: { correlationId: reportId } })).toBe(2);
  });

  it("refuses to re-drive a dead letter whose body is not a report message", async () => {
    const deadLetterId = randomUUID();
    await testDb.db.prisma.deadLetter.create({
      data: {
        id: deadLetterId,
        queue: "report-requests",
        sequenceNumber: BigInt(Math.floor(Math.random() * 1e9)),
        reason: "MalformedMessage",
        body: "not json {",
      },
    });
    const error = await trpcError(callerFor(operator).admin.deadLetters.redrive({ deadLetterId }));
    expect(error.code).toBe("CONFLICT");
    expect(error.message).toMatch(/cannot be re-driven/);
  });
});

describe("the broker's counts, through the Service Bus SDK's administration client", () => {
  it("reads the queue and dead-letter counts from the emulator over HTTPS", async () => {
    const emulator = await startEmulator({
      port: 0,
      queues: [{ name: "report-requests", maxDeliveryCount: 2 }],
    });
    const client = new ServiceBusClient(emulator.connectionString);
    const admin = new ServiceBusAdministrationClient(emulator.connectionString, {
      tlsOptions: { ca: await emulator.certificate() },
    });
    try {
      const sender = client.createSender("report-requests");
      await sender.sendMessages([{ body: "a" }, { body: "b" }, { body: "c" }]);
      const receiver = client.createReceiver("report-requests");
      const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5_000 });
      await receiver.deadLetterMessage(message!, {
        deadLetterReason: "Test",
        deadLetterErrorDescription: "test",
      });
      const snapshot = await createCaller(
        createContextInner({
          db: testDb.db,
          signer,
          user: operator,
          broker: createQueueCountsReader(admin, "report-requests"),
        }),
      ).admin.pipeline();
      expect(snapshot.broker).toEqual({
        ok: true,
        counts: {
          queue: "report-requests",
          activeMessageCount: 2,
          deadLetterMessageCount: 1,
          scheduledMessageCount: 0,
        },
      });
    } finally {
      await client.close();
      await emulator.close();
    }
  });

  it("shows the broker as unavailable, with the SDK's reason, when it cannot be reached", async () => {
    const emulator = await startEmulator({ port: 0, queues: [{ name: "report-requests" }] });
    // No trust in the self-signed certificate: the SDK refuses the connection, as it should.
    const admin = new ServiceBusAdministrationClient(emulator.connectionString, {
      retryOptions: { maxRetries: 0 },
    });
    try {
      const snapshot = await createCaller(
        createContextInner({
          db: testDb.db,
          signer,
          user: operator,
          broker: createQueueCountsReader(admin, "report-requests"),
        }),
      ).admin.pipeline();
      expect(snapshot.broker.ok).toBe(false);
      expect(snapshot.broker.ok === false && snapshot.broker.error).toMatch(/certificate/i);
    } finally {
      await emulator.close();
    }
  });
});
