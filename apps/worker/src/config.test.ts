import { ConfigError } from "@reports/runtime";
import { describe, expect, it } from "vitest";
import { loadWorkerConfig } from "./config.ts";

const MINIMAL = {
  DATABASE_URL: "postgres://worker@127.0.0.1:5432/reports",
  SERVICEBUS_CONNECTION_STRING: "Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=a;SharedAccessKey=b",
  BLOB_CONNECTION_STRING: "UseDevelopmentStorage=true",
};

function variablesIn(env: Record<string, string | undefined>): string[] {
  try {
    loadWorkerConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues.map((issue) => issue.variable).sort();
  }
  throw new Error("expected a ConfigError");
}

describe("loadWorkerConfig", () => {
  it("applies the documented defaults", () => {
    const config = loadWorkerConfig(MINIMAL);
    expect(config).toMatchObject({
      NODE_ENV: "development",
      LOG_LEVEL: "info",
      DATABASE_AUTH: "password",
      SERVICEBUS_QUEUE: "report-requests",
      BLOB_CONTAINER: "reports",
      WORKER_CONCURRENCY: 2,
      RELAY_BATCH_SIZE: 50,
      RELAY_POLL_INTERVAL_MS: 2_000,
      RELAY_LEASE_MS: 60_000,
      EXPORT_MAX_DELIVERIES: 5,
      EXPORT_RETRY_BASE_MS: 2_000,
      EXPORT_RETRY_MAX_MS: 60_000,
      EXPORT_LOCK_RENEWAL_MS: 1_800_000,
      SCHEDULER_POLL_INTERVAL_MS: 10_000,
      SCHEDULER_BATCH_SIZE: 20,
      FILE_RETENTION_DAYS: 30,
      RETENTION_INTERVAL_MS: 900_000,
      RETENTION_BATCH_SIZE: 100,
      SHUTDOWN_TIMEOUT_MS: 30_000,
    });
  });

  it("accepts managed-identity endpoints instead of connection strings", () => {
    const config = loadWorkerConfig({
      DATABASE_URL: "postgresql://worker-identity@db.postgres.database.azure.com/reports?sslmode=require",
      DATABASE_AUTH: "entra",
      SERVICEBUS_NAMESPACE: "ns.servicebus.windows.net",
      BLOB_ACCOUNT_URL: "https://acct.blob.core.windows.net",
    });
    expect(config.DATABASE_AUTH).toBe("entra");
    expect(config.SERVICEBUS_CONNECTION_STRING).toBeUndefined();
  });

  it("names a missing DATABASE_URL, Service Bus and Blob setting", () => {
    expect(variablesIn({})).toEqual([
      "BLOB_CONNECTION_STRING",
      "DATABASE_URL",
      "SERVICEBUS_CONNECTION_STRING",
    ]);
  });

  it("names a non-postgres DATABASE_URL and an unknown DATABASE_AUTH", () => {
    expect(variablesIn({ ...MINIMAL, DATABASE_URL: "mysql://x/y", DATABASE_AUTH: "kerberos" })).toEqual([
      "DATABASE_AUTH",
      "DATABASE_URL",
    ]);
  });

  it("names both Service Bus settings set at once and both Blob settings set at once", () => {
    expect(
      variablesIn({
        ...MINIMAL,
        SERVICEBUS_NAMESPACE: "ns.servicebus.windows.net",
        BLOB_ACCOUNT_URL: "https://acct.blob.core.windows.net",
      }),
    ).toEqual(["BLOB_ACCOUNT_URL", "SERVICEBUS_NAMESPACE"]);
  });

  it.each([
    "WORKER_CONCURRENCY",
    "RELAY_BATCH_SIZE",
    "RELAY_POLL_INTERVAL_MS",
    "RELAY_LEASE_MS",
    "EXPORT_MAX_DELIVERIES",
    "EXPORT_RETRY_BASE_MS",
    "EXPORT_RETRY_MAX_MS",
    "EXPORT_LOCK_RENEWAL_MS",
    "SHUTDOWN_TIMEOUT_MS",
  ])("names %s when it is not a positive integer", (variable) => {
    expect(variablesIn({ ...MINIMAL, [variable]: "0" })).toEqual([variable]);
    expect(variablesIn({ ...MINIMAL, [variable]: "ten" })).toEqual([variable]);
  });

  it("names an out-of-range concurrency, batch size and delivery count", () => {
    expect(
      variablesIn({
        ...MINIMAL,
        WORKER_CONCURRENCY: "65",
        RELAY_BATCH_SIZE: "1001",
        EXPORT_MAX_DELIVERIES: "101",
      }),
    ).toEqual(["EXPORT_MAX_DELIVERIES", "RELAY_BATCH_SIZE", "WORKER_CONCURRENCY"]);
  });

  it("names an invalid LOG_LEVEL, NODE_ENV, LOG_PRETTY and BLOB_CONTAINER", () => {
    expect(
      variablesIn({
        ...MINIMAL,
        LOG_LEVEL: "loud",
        NODE_ENV: "staging",
        LOG_PRETTY: "maybe",
        BLOB_CONTAINER: "Bad_Name",
      }),
    ).toEqual(["BLOB_CONTAINER", "LOG_LEVEL", "LOG_PRETTY", "NODE_ENV"]);
  });

  it("treats empty strings as unset", () => {
    expect(loadWorkerConfig({ ...MINIMAL, WORKER_CONCURRENCY: "" }).WORKER_CONCURRENCY).toBe(2);
  });
});
