import { REPORT_REQUESTS_QUEUE, REPORTS_CONTAINER } from "@reports/contracts";
import { z } from "zod";

/**
 * Environment variables that select the Azure services. Each service is configured either
 * by a connection string (local emulators: Azurite, the project's Service Bus emulator) or
 * by an endpoint used with DefaultAzureCredential (managed identity in Azure). Setting
 * both, or neither, is an error that names the variables.
 */
export const SERVICE_BUS_ENV_FIELDS = {
  SERVICEBUS_CONNECTION_STRING: z.string().min(1).optional(),
  /** Fully qualified namespace, e.g. `my-ns.servicebus.windows.net`. */
  SERVICEBUS_NAMESPACE: z
    .string()
    .regex(/^[a-z0-9.-]+$/i, "expected a host name such as my-ns.servicebus.windows.net")
    .optional(),
  SERVICEBUS_QUEUE: z.string().min(1).default(REPORT_REQUESTS_QUEUE),
};

/**
 * Exactly one of the connection string or the namespace. Exported so an app can compose
 * the fields into its own schema: `z.object({ ...SERVICE_BUS_ENV_FIELDS, ... }).superRefine(refineServiceBusEnv)`.
 */
export function refineServiceBusEnv(
  env: { SERVICEBUS_CONNECTION_STRING?: string | undefined; SERVICEBUS_NAMESPACE?: string | undefined },
  ctx: z.RefinementCtx,
) {
  if (env.SERVICEBUS_CONNECTION_STRING && env.SERVICEBUS_NAMESPACE) {
    ctx.addIssue({
      code: "custom",
      path: ["SERVICEBUS_NAMESPACE"],
      message: "set either SERVICEBUS_CONNECTION_STRING or SERVICEBUS_NAMESPACE, not both",
    });
  }
  if (!env.SERVICEBUS_CONNECTION_STRING && !env.SERVICEBUS_NAMESPACE) {
    ctx.addIssue({
      code: "custom",
      path: ["SERVICEBUS_CONNECTION_STRING"],
      message: "required (or SERVICEBUS_NAMESPACE for managed identity)",
    });
  }
}

export const ZServiceBusEnv = z.object(SERVICE_BUS_ENV_FIELDS).superRefine(refineServiceBusEnv);
export type TServiceBusEnv = z.infer<typeof ZServiceBusEnv>;

export const BLOB_ENV_FIELDS = {
  BLOB_CONNECTION_STRING: z.string().min(1).optional(),
  /** e.g. `https://myaccount.blob.core.windows.net`. */
  BLOB_ACCOUNT_URL: z.url({ protocol: /^https?$/ }).optional(),
  BLOB_CONTAINER: z
    .string()
    .regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, "not a valid blob container name")
    .default(REPORTS_CONTAINER),
};

/** Exactly one of the connection string or the account URL. */
export function refineBlobEnv(
  env: { BLOB_CONNECTION_STRING?: string | undefined; BLOB_ACCOUNT_URL?: string | undefined },
  ctx: z.RefinementCtx,
) {
  if (env.BLOB_CONNECTION_STRING && env.BLOB_ACCOUNT_URL) {
    ctx.addIssue({
      code: "custom",
      path: ["BLOB_ACCOUNT_URL"],
      message: "set either BLOB_CONNECTION_STRING or BLOB_ACCOUNT_URL, not both",
    });
  }
  if (!env.BLOB_CONNECTION_STRING && !env.BLOB_ACCOUNT_URL) {
    ctx.addIssue({
      code: "custom",
      path: ["BLOB_CONNECTION_STRING"],
      message: "required (or BLOB_ACCOUNT_URL for managed identity)",
    });
  }
}

export const ZBlobEnv = z.object(BLOB_ENV_FIELDS).superRefine(refineBlobEnv);
export type TBlobEnv = z.infer<typeof ZBlobEnv>;

/**
 * `password`: the password is part of DATABASE_URL. `entra`: an Entra ID access token is
 * fetched with DefaultAzureCredential for each new connection (Azure Database for
 * PostgreSQL with Entra authentication; the user name in DATABASE_URL is the identity's).
 */
export const DATABASE_AUTH_ENV_FIELDS = {
  DATABASE_AUTH: z.enum(["password", "entra"]).default("password"),
};
