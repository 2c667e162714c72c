import { z } from "zod";

/**
 * Environment variables that select the Azure services. Each service is configured either
 * by a connection string (local emulators: Azurite, the project's Service Bus emulator) or
 * by an endpoint used with DefaultAzureCredential (managed identity in Azure). Setting
 * both, or neither, is an error that names the variables.
 */
export const ZServiceBusEnv = z
  .object({
    SERVICEBUS_CONNECTION_STRING: z.string().min(1).optional(),
    /** Fully qualified namespace, e.g. `my-ns.servicebus.windows.net`. */
    SERVICEBUS_NAMESPACE: z
      .string()
      .regex(/^[a-z0-9.-]+$/i, "expected a host name such as my-ns.servicebus.windows.net")
      .optional(),
    SERVICEBUS_QUEUE: z.string().min(1).default("report-requests"),
  })
  .superRefine((env, ctx) => {
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
  });
export type TServiceBusEnv = z.infer<typeof ZServiceBusEnv>;

export const ZBlobEnv = z
  .object({
    BLOB_CONNECTION_STRING: z.string().min(1).optional(),
    /** e.g. `https://myaccount.blob.core.windows.net`. */
    BLOB_ACCOUNT_URL: z.url({ protocol: /^https?$/ }).optional(),
    BLOB_CONTAINER: z
      .string()
      .regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, "not a valid blob container name")
      .default("reports"),
  })
  .superRefine((env, ctx) => {
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
  });
export type TBlobEnv = z.infer<typeof ZBlobEnv>;

/**
 * `password`: the password is part of DATABASE_URL. `entra`: an Entra ID access token is
 * fetched with DefaultAzureCredential for each new connection (Azure Database for
 * PostgreSQL with Entra authentication; the user name in DATABASE_URL is the identity's).
 */
export const ZDatabaseAuthEnv = z.object({
  DATABASE_AUTH: z.enum(["password", "entra"]).default("password"),
});
export type TDatabaseAuthEnv = z.infer<typeof ZDatabaseAuthEnv>;
