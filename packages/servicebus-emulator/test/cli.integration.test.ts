import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { ServiceBusAdministrationClient, ServiceBusClient } from "@azure/service-bus";
import { afterEach, describe, expect, it } from "vitest";
import { spawnCli, waitForExit } from "./cli-process.ts";
import { FAST_RETRIES, makeTempDir, receiveAtLeast, sleep } from "./helpers.ts";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

describe("servicebus-emulator CLI", () => {
  it("prints the connection string as its only stdout line, then serves the SDK", async () => {
    const temp = await makeTempDir("sb-cli");
    cleanups.push(temp.remove);
    // started from another directory: the launcher must not depend on the working directory
    const cli = await spawnCli(["--port", "0", "--queue", "report-requests"], temp.dir);
    cleanups.push(async () => cli.child.kill("SIGKILL"));
    expect(cli.connectionString).toMatch(
      /^Endpoint=sb:\/\/127\.0\.0\.1:\d+;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true$/,
    );
    const client = new ServiceBusClient(cli.connectionString, FAST_RETRIES);
    await client.createSender("report-requests").sendMessages({ body: "hello" });
    const [message] = await receiveAtLeast(client.createReceiver("report-requests"), 1);
    expect(message?.body).toBe("hello");
    await client.close();
    // logs are JSON lines on stderr
    const firstLog = JSON.parse(cli.stderr().split("\n")[0] ?? "{}") as { msg?: string; level?: number };
    expect(firstLog.msg).toBe("emulator listening");
  });

  it("reads queues and ISO-8601 durations from a config file", async () => {
    const temp = await makeTempDir("sb-config");
    cleanups.push(temp.remove);
    const configFile = path.join(temp.dir, "servicebus.json");
    await writeFile(
      configFile,
      JSON.stringify({
        queues: [{ name: "configured", lockDurationMs: "PT1S", maxDeliveryCount: 2 }],
      }),
    );
    const cli = await spawnCli(["--port", "0", "--config", configFile, "--queue", "extra"]);
    cleanups.push(async () => cli.child.kill("SIGKILL"));
    const client = new ServiceBusClient(cli.connectionString, FAST_RETRIES);
    cleanups.push(() => client.close());
    await client.createSender("configured").sendMessages({ body: "x" });
    await client.createSender("extra").sendMessages({ body: "y" });
    const receiver = client.createReceiver("configured", { maxAutoLockRenewalDurationInMs: 0 });
    const [first] = await receiveAtLeast(receiver, 1);
    const lockMs = first!.lockedUntilUtc!.getTime() - Date.now();
    expect(lockMs).toBeLessThanOrEqual(1000);
    await sleep(1300);
    const [second] = await receiveAtLeast(receiver, 1);
    expect(second?.deliveryCount).toBe(1);
    await sleep(1300);
    // two deliveries used up: the second expiry dead-letters it
    const dlq = client.createReceiver("configured", { subQueueType: "deadLetter" });
    const [dead] = await receiveAtLeast(dlq, 1);
    expect(dead?.deadLetterReason).toBe("MaxDeliveryCountExceeded");
  });

  it("answers the SDK's administration client on the port of the connection string it prints", async () => {
    const temp = await makeTempDir("sb-cli-admin");
    cleanups.push(temp.remove);
    const cli = await spawnCli(["--port", "0", "--queue", "report-requests", "--data-dir", temp.dir]);
    cleanups.push(async () => cli.child.kill("SIGKILL"));
    const client = new ServiceBusClient(cli.connectionString, FAST_RETRIES);
    cleanups.push(() => client.close());
    await client.createSender("report-requests").sendMessages([{ body: "a" }, { body: "b" }]);
    const certificate = await readFile(path.join(temp.dir, "servicebus-emulator.crt"), "utf8");
    const admin = new ServiceBusAdministrationClient(cli.connectionString, {
      tlsOptions: { ca: certificate },
    });
    const runtime = await admin.getQueueRuntimeProperties("report-requests");
    expect(runtime.activeMessageCount).toBe(2);
    expect(runtime.totalMessageCount).toBe(2);
  });

  it("shuts down cleanly with exit code 0 on SIGTERM and refuses to start without queues", async () => {
    const cli = await spawnCli(["--port", "0", "--queue", "q"]);
    cli.child.kill("SIGTERM");
    const exit = await waitForExit(cli.child);
    expect(exit.code).toBe(0);
    expect(cli.stderr()).toContain("emulator stopped");
    const error = await spawnCli(["--port", "0"]).catch((err: Error) => err);
    expect(String(error)).toMatch(/declare at least one queue/);
  });
});
