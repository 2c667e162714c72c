// The four promises of the REST contract, end to end (README, "Try it with curl" and
// "Architecture"): accepted at once, accepted while the broker is down, polled until done,
// recorded when done. The REST handlers of this app, the real worker process (relay +
// consumer), real PostgreSQL, Azurite and the project's Service Bus emulator; nothing is
// mocked.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { signDevelopmentToken } from "@reports/api";
import { type TReport, ZReport, ZReportAccepted } from "@reports/contracts";
import { seedCatalogue } from "@reports/db/seed";
import { createTestDatabase, type TestDatabase } from "@reports/db/testing";
import {
  LOCAL_REPORT_REQUESTS_QUEUE,
  type ManagedChild,
  type RunningAzurite,
  startAzurite,
  startWorkerProcess,
} from "@reports/local-stack";
import { createLogger, parseConfig } from "@reports/runtime";
import { type RunningEmulator, startEmulator } from "@reports/servicebus-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWebDeps, setDeps, type WebDeps } from "../../server/deps.ts";
import { ZWebEnv } from "../../server/env.ts";
import { GET as getReportRoute } from "./[reportId]/route.ts";
import { POST as requestReportRoute } from "./popularity/route.ts";

const SECRET = "specification-scenarios-secret-0123456789";
const BASE_URL = "http://localhost:3000";
const log = createLogger({ name: "specification-test", level: "warn" });

let testDb: TestDatabase;
let azurite: RunningAzurite;
let emulator: RunningEmulator | undefined;
let emulatorPort = 0;
let serviceBusDir: string;
let worker: ManagedChild;
let deps: WebDeps;
let token: string;

async function startServiceBus() {
  emulator = await startEmulator({
    port: emulatorPort,
    dataDir: serviceBusDir,
    queues: [LOCAL_REPORT_REQUESTS_QUEUE],
  });
  emulatorPort = emulator.port;
}

beforeAll(async () => {
  testDb = await createTestDatabase({ name: "web_specification" });
  await seedCatalogue({ pool: testDb.db.pool, albums: 150, ratings: 6_000, seed: 7 });
  azurite = await startAzurite();
  serviceBusDir = await mkdtemp(join(tmpdir(), "spec-servicebus-"));
  await startServiceBus();
  worker = await startWorkerProcess({
    env: {
      ...process.env,
      NODE_ENV: "test",
      LOG_LEVEL: "info",
      DATABASE_URL: testDb.url,
      BLOB_CONNECTION_STRING: azurite.connectionString,
      SERVICEBUS_CONNECTION_STRING: emulator!.connectionString,
      RELAY_POLL_INTERVAL_MS: "500",
      SHUTDOWN_TIMEOUT_MS: "10000",
    },
    log,
  });
  deps = createWebDeps(
    parseConfig(ZWebEnv, {
      APP_ENV: "development",
      LOG_LEVEL: "silent",
      DATABASE_URL: testDb.url,
      BLOB_CONNECTION_STRING: azurite.connectionString,
      AUTH_MODE: "development",
      AUTH_DEV_SECRET: SECRET,
    }),
  );
  setDeps(deps);
  token = await signDevelopmentToken(SECRET, "alice");
});

afterAll(async () => {
  setDeps(undefined);
  await worker?.stop();
  await deps?.db.close();
  await emulator?.close();
  await azurite?.stop();
  await testDb?.drop();
  if (serviceBusDir) await rm(serviceBusDir, { recursive: true, force: true });
});

async function requestReport(body: object) {
  return requestReportRoute(
    new Request(`${BASE_URL}/reports/popularity`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    }),
    undefined,
  );
}

async function getReport(reportId: string): Promise<{ response: Response; report: TReport }> {
  const response = await getReportRoute(
    new Request(`${BASE_URL}/reports/${reportId}`, { headers: { authorization: `Bearer ${token}` } }),
    { params: Promise.resolve({ reportId }) },
  );
  expect(response.status).toBe(200);
  return { response, report: ZReport.parse(await response.clone().json()) };
}

async function waitForFinal(reportId: string, timeoutMs = 45_000): Promise<TReport> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { report } = await getReport(reportId);
    if (report.status === "Completed" || report.status === "Failed") return report;
    if (Date.now() > deadline)
      throw new Error(`report ${reportId} still ${report.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function download(url: string) {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return { response, text: await response.text() };
}

describe("the REST contract's four scenarios", () => {
  it("1. a valid authenticated user's POST returns 202 with a unique reportId and status Pending", async () => {
    const first = await requestReport({ minRatings: 5 });
    const second = await requestReport({ minRatings: 5 });
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    const a = ZReportAccepted.parse(await first.json());
    const b = ZReportAccepted.parse(await second.json());
    expect(a.status).toBe("Pending");
    expect(b.status).toBe("Pending");
    expect(a.reportId).not.toBe(b.reportId);
    expect(first.headers.get("location")).toBe(`/reports/${a.reportId}`);
    await Promise.all([waitForFinal(a.reportId), waitForFinal(b.reportId)]);
  });

  it("2. with the Service Bus emulator stopped, POST still returns 202 and the request is persisted in the outbox; after the emulator starts again the report completes", async () => {
    await emulator!.close();
    emulator = undefined;

    const response = await requestReport({ minRatings: 3, limit: 25 });
    expect(response.status).toBe(202);
    const { reportId } = ZReportAccepted.parse(await response.json());
    const outbox = await testDb.db.prisma.outboxMessage.findFirstOrThrow({
      where: { correlationId: reportId },
    });
    expect(outbox.sentAt).toBeNull();

    // The relay tries, fails, records why, and keeps the row unsent.
    const deadline = Date.now() + 20_000;
    let row = outbox;
    while (Date.now() < deadline && row.lastError === null) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      row = await testDb.db.prisma.outboxMessage.findUniqueOrThrow({ where: { id: outbox.id } });
    }
    expect(row.lastError).not.toBeNull();
    expect(row.sentAt).toBeNull();
    expect((await getReport(reportId)).report.status).toBe("Pending");

    await startServiceBus();
    const report = await waitForFinal(reportId);
    expect(report.status).toBe("Completed");
    expect(report.rowCount).toBe(25);
    const sent = await testDb.db.prisma.outboxMessage.findUniqueOrThrow({ where: { id: outbox.id } });
    expect(sent.sentAt).not.toBeNull();
  });

  it("3. GET returns the current status and, once completed, a downloadUrl that downloads the file", async () => {
    const response = await requestReport({ genre: "Jazz", minRatings: 2 });
    const { reportId } = ZReportAccepted.parse(await response.json());
    const pending = await getReport(reportId);
    expect(["Pending", "Processing", "Completed"]).toContain(pending.report.status);
    if (pending.report.status !== "Completed") {
      expect(pending.response.headers.get("retry-after")).not.toBeNull();
      expect(pending.report.downloadUrl).toBeUndefined();
    }

    const report = await waitForFinal(reportId);
    expect(report.status).toBe("Completed");
    const { response: file, text } = await download(report.downloadUrl!);
    expect(file.headers.get("content-disposition")).toMatch(/^attachment; filename="popularity-report-/);
    const lines = text.trimEnd().split("\r\n");
    expect(lines[0]).toBe("rank,album_id,title,artist,release_year,genre,ratings_count,average_rating,score");
    expect(lines).toHaveLength(report.rowCount! + 1);
    expect(lines.slice(1).every((line) => line.includes(",Jazz,"))).toBe(true);
  });

  it("4. after the consumer finishes, the report row is Completed with a valid downloadUrl", async () => {
    const response = await requestReport({});
    const { reportId } = ZReportAccepted.parse(await response.json());
    const report = await waitForFinal(reportId);

    const row = await testDb.db.prisma.report.findUniqueOrThrow({ where: { id: reportId } });
    expect(row.status).toBe("Completed");
    expect(row.blobName).toBe(`popularity/${reportId}.csv`);
    expect(row.completedAt).not.toBeNull();
    expect(Number(row.sizeBytes)).toBeGreaterThan(0);

    const { text } = await download(report.downloadUrl!);
    expect(Buffer.byteLength(text)).toBe(Number(row.sizeBytes));
    expect(text.trimEnd().split("\r\n")).toHaveLength(row.rowCount! + 1);
  });
});
