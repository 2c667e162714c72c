import type { TokenCredential } from "@azure/identity";
import { type RetryOptions, ServiceBusAdministrationClient, ServiceBusClient } from "@azure/service-bus";
import { BlobServiceClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import type { TBlobEnv, TServiceBusEnv } from "./config.ts";
import { getAzureCredential } from "./credential.ts";

/**
 * The SDK's defaults (60 s operation timeout, 30 s between retries) make recovery from a
 * broker outage take 30-90 s, and it never retries ECONNREFUSED itself; the callers own
 * retry and backoff, so the SDK's own retries are kept short.
 * See packages/servicebus-emulator/docs/wire-protocol.md, "When the broker goes away".
 */
export const SERVICE_BUS_RETRY_OPTIONS: RetryOptions = {
  maxRetries: 2,
  retryDelayInMs: 500,
  maxRetryDelayInMs: 5_000,
  timeoutInMs: 15_000,
};

export interface ServiceBusClientOptions {
  retryOptions?: RetryOptions;
  credential?: TokenCredential;
}

/** Connection string (emulator, local stack) or namespace + managed identity (Azure). */
export function createServiceBusClient(env: TServiceBusEnv, options: ServiceBusClientOptions = {}) {
  const retryOptions = options.retryOptions ?? SERVICE_BUS_RETRY_OPTIONS;
  if (env.SERVICEBUS_CONNECTION_STRING) {
    return new ServiceBusClient(env.SERVICEBUS_CONNECTION_STRING, { retryOptions });
  }
  return new ServiceBusClient(env.SERVICEBUS_NAMESPACE!, options.credential ?? getAzureCredential(), {
    retryOptions,
  });
}

/**
 * The administration client (queue counts) for the same namespace. It speaks HTTPS to the
 * connection string's endpoint, which the emulator answers with a self-signed certificate:
 * the local stack trusts it through NODE_EXTRA_CA_CERTS, tests pass `ca`.
 */
export function createServiceBusAdministrationClient(
  env: Pick<TServiceBusEnv, "SERVICEBUS_CONNECTION_STRING" | "SERVICEBUS_NAMESPACE">,
  options: { credential?: TokenCredential; ca?: string } = {},
): ServiceBusAdministrationClient {
  const clientOptions = {
    retryOptions: { maxRetries: 1, retryDelayInMs: 500 },
    ...(options.ca ? { tlsOptions: { ca: options.ca } } : {}),
  };
  if (env.SERVICEBUS_CONNECTION_STRING) {
    return new ServiceBusAdministrationClient(env.SERVICEBUS_CONNECTION_STRING, clientOptions);
  }
  return new ServiceBusAdministrationClient(
    env.SERVICEBUS_NAMESPACE!,
    options.credential ?? getAzureCredential(),
    clientOptions,
  );
}

export interface BlobClients {
  service: BlobServiceClient;
  /**
   * Present when the connection string carries an account key (Azurite, key-based
   * accounts): SAS links are signed with it. Absent with managed identity, where links
   * are signed with a user delegation key instead.
   */
  sharedKey?: StorageSharedKeyCredential;
}

/** Parses `AccountName=...;AccountKey=...` out of a storage connection string. */
export function parseStorageConnectionString(connectionString: string): Record<string, string> {
  const parts: Record<string, string> = {};
  for (const segment of connectionString.split(";")) {
    const index = segment.indexOf("=");
    if (index <= 0) continue;
    parts[segment.slice(0, index).trim()] = segment.slice(index + 1).trim();
  }
  return parts;
}

export function createBlobClients(
  env: TBlobEnv,
  options: { credential?: TokenCredential } = {},
): BlobClients {
  if (env.BLOB_CONNECTION_STRING) {
    const service = BlobServiceClient.fromConnectionString(env.BLOB_CONNECTION_STRING);
    const parts = parseStorageConnectionString(env.BLOB_CONNECTION_STRING);
    const sharedKey =
      parts.AccountName && parts.AccountKey
        ? new StorageSharedKeyCredential(parts.AccountName, parts.AccountKey)
        : undefined;
    return sharedKey ? { service, sharedKey } : { service };
  }
  return {
    service: new BlobServiceClient(env.BLOB_ACCOUNT_URL!, options.credential ?? getAzureCredential()),
  };
}
