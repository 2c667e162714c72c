import { ServiceBusClient } from "@azure/service-bus";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureError, errorCodes, FAST_RETRIES, startTestBus, type TestBus } from "./helpers.ts";

describe("authentication and entities", () => {
  let bus: TestBus;

  beforeAll(async () => {
    bus = await startTestBus(["orders", { name: "tiny", maxMessageSizeInBytes: 1024 }]);
  });
  afterAll(async () => {
    await bus.close();
  });

  it("prints a connection string that Microsoft's emulator clients accept unchanged", () => {
    expect(bus.emulator.connectionString).toBe(
      `Endpoint=sb://127.0.0.1:${bus.emulator.port};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true`,
    );
  });

  it("refuses a client signing with the wrong key as UnauthorizedAccess", async () => {
    const wrong = new ServiceBusClient(
      bus.emulator.connectionString.replace("SAS_KEY_VALUE", "not-the-key"),
      FAST_RETRIES,
    );
    try {
      const error = await captureError(wrong.createSender("orders").sendMessages({ body: "x" }));
      expect(errorCodes(error)).toContain("UnauthorizedAccess");
    } finally {
      await wrong.close();
    }
  });

  it("refuses a client using an unknown key name", async () => {
    const wrong = new ServiceBusClient(
      bus.emulator.connectionString.replace("RootManageSharedAccessKey", "SomeOtherKey"),
      FAST_RETRIES,
    );
    try {
      const error = await captureError(wrong.createSender("orders").sendMessages({ body: "x" }));
      expect(errorCodes(error)).toContain("UnauthorizedAccess");
    } finally {
      await wrong.close();
    }
  });

  it("reports an undeclared queue as MessagingEntityNotFound to senders and receivers", async () => {
    const sendError = await captureError(bus.client.createSender("nope").sendMessages({ body: "x" }));
    expect(errorCodes(sendError)).toContain("MessagingEntityNotFound");
    const receiveError = await captureError(
      bus.client.createReceiver("nope").receiveMessages(1, { maxWaitTimeInMs: 500 }),
    );
    expect(errorCodes(receiveError)).toContain("MessagingEntityNotFound");
  });

  it("refuses a message larger than the queue's maximum size", async () => {
    const sender = bus.client.createSender("tiny");
    const error = await captureError(sender.sendMessages({ body: "x".repeat(2000) }));
    expect(errorCodes(error)).toContain("MessageSizeExceeded");
    const batch = await sender.createMessageBatch();
    expect(batch.maxSizeInBytes).toBe(1024);
    await sender.sendMessages({ body: "small enough" });
    await sender.close();
  });

  it("refuses session receivers with a clear error", async () => {
    // the SDK rethrows the detach error as rhea hands it over: condition and description, no message
    const error = (await captureError(bus.client.acceptSession("orders", "session-1"))) as unknown as {
      condition: string;
      description: string;
    };
    expect(error.condition).toBe("amqp:not-implemented");
    expect(error.description).toMatch(/Sessions are not supported/);
  });

  it("refuses topic subscriptions with a clear error", async () => {
    const receiver = bus.client.createReceiver("orders", "audit");
    const error = await captureError(receiver.receiveMessages(1, { maxWaitTimeInMs: 500 }));
    expect(error.message).toMatch(/Topics and subscriptions are not supported/);
    await receiver.close();
  });
});
