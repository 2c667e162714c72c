import { createHmac } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { ServiceBusAdministrationClient } from "@azure/service-bus";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CERTIFICATE_FILE } from "../src/admin/certificate.ts";
import { startEmulator } from "../src/index.ts";
import { captureError, makeTempDir, receiveAtLeast, startTestBus, type TestBus } from "./helpers.ts";

/** The SDK's own client, from the emulator's connection string, trusting the emulator's certificate. */
function adminClient(connectionString: string, certificate: string): ServiceBusAdministrationClient {
  return new ServiceBusAdministrationClient(connectionString, {
    tlsOptions: { ca: certificate },
    retryOptions: { maxRetries: 0 },
  });
}

/** A request signed as the SDK signs one (SasServiceClientCredentials.signRequest), for plain HTTP. */
function signedHeaders(url: string, key = "SAS_KEY_VALUE"): Record<string, string> {
  const sr = encodeURIComponent(url.toLowerCase()).toLowerCase();
  const se = Math.round(Date.now() / 1000) + 300;
  const sig = encodeURIComponent(createHmac("sha256", key).update(`${sr}\n${se}`).digest("base64"));
  return {
    authorization: `SharedAccessSignature sig=${sig}&se=${se}&skn=RootManageSharedAccessKey&sr=${sr}`,
  };
}

describe("the administration API (ServiceBusAdministrationClient)", () => {
  let bus: TestBus;
  let admin: ServiceBusAdministrationClient;

  beforeAll(async () => {
    bus = await startTestBus([
      {
        name: "orders",
        lockDurationMs: 30_000,
        maxDeliveryCount: 3,
        requiresDuplicateDetection: true,
        defaultMessageTimeToLiveMs: 14 * 86_400_000,
      },
      "other",
    ]);
    admin = adminClient(bus.emulator.connectionString, await bus.emulator.certificate());
  });
  afterAll(async () => {
    await bus.close();
  });

  it("reports active, scheduled and dead-lettered counts and the size, as the broker holds them", async () => {
    const empty = await admin.getQueueRuntimeProperties("orders");
    expect(empty).toMatchObject({
      name: "orders",
      activeMessageCount: 0,
      deadLetterMessageCount: 0,
      scheduledMessageCount: 0,
      totalMessageCount: 0,
      sizeInBytes: 0,
    });

    const sender = bus.client.createSender("orders");
    await sender.sendMessages(
      Array.from({ length: 5 }, (_, index) => ({ messageId: `m${index}`, body: { index } })),
    );
    await sender.scheduleMessages({ messageId: "later", body: "later" }, new Date(Date.now() + 3_600_000));
    const receiver = bus.client.createReceiver("orders");
    const [first, second, third] = await receiveAtLeast(receiver, 3);
    await receiver.deadLetterMessage(first!, {
      deadLetterReason: "Test",
      deadLetterErrorDescription: "test",
    });
    await receiver.completeMessage(second!);
    await receiver.deferMessage(third!);
    // left: m2 deferred, m3 locked by a second receiver, m4 waiting; all three count as active
    const locked = await receiveAtLeast(bus.client.createReceiver("orders"), 1);
    expect(locked).toHaveLength(1);

    const runtime = await admin.getQueueRuntimeProperties("orders");
    expect(runtime).toMatchObject({
      name: "orders",
      activeMessageCount: 3,
      deadLetterMessageCount: 1,
      scheduledMessageCount: 1,
      transferMessageCount: 0,
      transferDeadLetterMessageCount: 0,
      totalMessageCount: 5,
    });
    expect(runtime.sizeInBytes).toBeGreaterThan(5 * 10);
    expect(runtime.accessedAt.getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(runtime.createdAt.getTime()).toBeLessThanOrEqual(Date.now());
  });

  it("describes a queue with the properties it was declared with", async () => {
    const queue = await admin.getQueue("ORDERS");
    expect(queue).toMatchObject({
      name: "orders",
      lockDuration: "PT30S",
      maxDeliveryCount: 3,
      requiresDuplicateDetection: true,
      requiresSession: false,
      defaultMessageTimeToLive: "P14D",
      duplicateDetectionHistoryTimeWindow: "PT10M",
      deadLetteringOnMessageExpiration: false,
      enablePartitioning: false,
      status: "Active",
      maxMessageSizeInKilobytes: 256,
    });
    expect((await admin.getQueue("other")).defaultMessageTimeToLive).toBe("P10675199DT2H48M5.4775807S");
  });

  it("answers queueExists and reports an undeclared queue as MessageEntityNotFoundError", async () => {
    expect(await admin.queueExists("orders")).toBe(true);
    expect(await admin.queueExists("missing")).toBe(false);
    const error = await captureError(admin.getQueueRuntimeProperties("missing"));
    expect(error.code).toBe("MessageEntityNotFoundError");
    expect(error.message).toMatch(/'missing' could not be found/);
  });

  it("lists queues and their runtime properties, page by page", async () => {
    const names: string[] = [];
    for await (const queue of admin.listQueues()) names.push(queue.name);
    expect(names).toEqual(["orders", "other"]);

    const pages: string[][] = [];
    for await (const page of admin.listQueuesRuntimeProperties().byPage({ maxPageSize: 1 })) {
      pages.push(page.map((queue) => `${queue.name}:${queue.totalMessageCount}`));
    }
    expect(pages).toEqual([["orders:5"], ["other:0"]]);

    const topics: string[] = [];
    for await (const topic of admin.listTopics()) topics.push(topic.name);
    expect(topics).toEqual([]);
  });

  it("describes the namespace", async () => {
    const namespace = await admin.getNamespaceProperties();
    expect(namespace).toMatchObject({ name: "127.0.0.1", messagingSku: "Standard" });
  });

  it("refuses a client signing with the wrong key as UnauthorizedRequestError", async () => {
    const wrong = adminClient(
      bus.emulator.connectionString.replace("SAS_KEY_VALUE", "not-the-key"),
      await bus.emulator.certificate(),
    );
    const error = await captureError(wrong.getQueueRuntimeProperties("orders"));
    expect(error.code).toBe("UnauthorizedRequestError");
    expect((error as Error & { statusCode?: number }).statusCode).toBe(401);
  });

  it("refuses to create, update or delete entities, which are declared at start", async () => {
    const error = await captureError(admin.createQueue("new-queue"));
    expect(error.code).toBe("MethodNotAllowed");
    expect(error.message).toMatch(/declared with --queue or the config file/);
    expect(await admin.queueExists("new-queue")).toBe(false);
  });

  it("serves a client that does not trust its certificate only over TLS, which then fails", async () => {
    const untrusting = new ServiceBusAdministrationClient(bus.emulator.connectionString, {
      retryOptions: { maxRetries: 0 },
    });
    const error = await captureError(untrusting.getQueue("orders"));
    expect(error.code).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY/);
  });

  it("answers the same API over plain HTTP on the same port, as later SDKs address the emulator", async () => {
    const url = `http://127.0.0.1:${bus.emulator.port}/orders?api-version=2021-05`;
    const response = await fetch(url, { headers: signedHeaders(url) });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("application/atom+xml");
    const body = await response.text();
    expect(body).toContain("<d2p1:DeadLetterMessageCount>1</d2p1:DeadLetterMessageCount>");

    const unsigned = await fetch(url);
    expect(unsigned.status).toBe(401);
    expect(await unsigned.text()).toContain("<Detail>InvalidSignature: not a shared access signature");
    // a token for one queue does not open another
    const other = `http://127.0.0.1:${bus.emulator.port}/other?api-version=2021-05`;
    expect((await fetch(other, { headers: signedHeaders(url) })).status).toBe(401);
  });
});

describe("the administration API's certificate", () => {
  it("is kept in the data directory and served again after a restart", async () => {
    const temp = await makeTempDir("sb-admin-tls");
    try {
      const first = await startEmulator({ port: 0, queues: ["q"], dataDir: temp.dir });
      const certificate = await first.certificate();
      await first.close();
      expect(await readFile(path.join(temp.dir, CERTIFICATE_FILE), "utf8")).toBe(certificate);

      const second = await startEmulator({ port: 0, queues: ["q"], dataDir: temp.dir });
      try {
        expect(await second.certificate()).toBe(certificate);
        const runtime = await adminClient(second.connectionString, certificate).getQueueRuntimeProperties(
          "q",
        );
        expect(runtime.totalMessageCount).toBe(0);
      } finally {
        await second.close();
      }
    } finally {
      await temp.remove();
    }
  });
});
