import { parseConfig } from "@reports/runtime";
import { describe, expect, it } from "vitest";
import { createBlobClients, createServiceBusClient } from "./clients.ts";
import { ZBlobEnv, ZServiceBusEnv } from "./config.ts";

const AZURITE =
  "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;";

describe("Service Bus configuration", () => {
  it("accepts a connection string and defaults the queue", () => {
    const env = parseConfig(ZServiceBusEnv, {
      SERVICEBUS_CONNECTION_STRING: "Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=a;SharedAccessKey=b",
    });
    expect(env.SERVICEBUS_QUEUE).toBe("report-requests");
  });

  it("accepts a namespace for managed identity", () => {
    const env = parseConfig(ZServiceBusEnv, { SERVICEBUS_NAMESPACE: "my-ns.servicebus.windows.net" });
    expect(env.SERVICEBUS_NAMESPACE).toBe("my-ns.servicebus.windows.net");
  });

  it("refuses neither and both, naming the variables", () => {
    expect(() => parseConfig(ZServiceBusEnv, {})).toThrow(/SERVICEBUS_CONNECTION_STRING/);
    expect(() =>
      parseConfig(ZServiceBusEnv, {
        SERVICEBUS_CONNECTION_STRING: "Endpoint=sb://x;SharedAccessKeyName=a;SharedAccessKey=b",
        SERVICEBUS_NAMESPACE: "x.servicebus.windows.net",
      }),
    ).toThrow(/SERVICEBUS_NAMESPACE/);
  });

  it("builds a client for the namespace shape without contacting Azure", async () => {
    const client = createServiceBusClient(
      parseConfig(ZServiceBusEnv, { SERVICEBUS_NAMESPACE: "my-ns.servicebus.windows.net" }),
      { credential: { getToken: async () => ({ token: "t", expiresOnTimestamp: Date.now() + 60_000 }) } },
    );
    expect(client.fullyQualifiedNamespace).toBe("my-ns.servicebus.windows.net");
    await client.close();
  });
});

describe("Blob configuration", () => {
  it("uses the account key of a connection string for SAS signing", () => {
    const clients = createBlobClients(parseConfig(ZBlobEnv, { BLOB_CONNECTION_STRING: AZURITE }));
    expect(clients.sharedKey?.accountName).toBe("devstoreaccount1");
    expect(clients.service.url).toBe("http://127.0.0.1:10000/devstoreaccount1");
  });

  it("uses a token credential (no shared key) for an account URL", () => {
    const env = parseConfig(ZBlobEnv, { BLOB_ACCOUNT_URL: "https://acct.blob.core.windows.net" });
    const clients = createBlobClients(env, {
      credential: { getToken: async () => ({ token: "t", expiresOnTimestamp: Date.now() + 60_000 }) },
    });
    expect(clients.sharedKey).toBeUndefined();
    expect(clients.service.accountName).toBe("acct");
  });

  it("refuses an invalid container name and a missing store", () => {
    expect(() =>
      parseConfig(ZBlobEnv, { BLOB_CONNECTION_STRING: AZURITE, BLOB_CONTAINER: "Bad_Name" }),
    ).toThrow(/BLOB_CONTAINER/);
    expect(() => parseConfig(ZBlobEnv, {})).toThrow(/BLOB_CONNECTION_STRING/);
  });
});
