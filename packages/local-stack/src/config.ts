import { BASE_ENV_FIELDS, zPort, zPositiveInt, zPostgresUrl } from "@reports/runtime";
import { DEFAULT_LOCAL_STATE_DIR } from "@reports/runtime/local-stack";
import { z } from "zod";

export { REPO_ROOT, resolveStateDir, stackEnvFile } from "@reports/runtime/local-stack";

/** The web app's port when neither WEB_PORT nor PORT is set. */
export const DEFAULT_WEB_PORT = 3000;

/**
 * What `npm start` reads. Every component is replaceable: when DATABASE_URL, a Blob setting
 * or a Service Bus setting is present, that service is used and the embedded one is not
 * started. Ports default to 0 ("any free port") except the web app's (see `chooseWebPort`).
 */
export const ZLocalStackEnv = z.object({
  ...BASE_ENV_FIELDS,
  LOCAL_STATE_DIR: z.string().default(DEFAULT_LOCAL_STATE_DIR),
  WEB_PORT: zPort.optional(),
  /** The usual variable of Node.js servers (and Next.js's own); WEB_PORT wins over it. */
  PORT: zPort.optional(),
  POSTGRES_PORT: zPort.default(0),
  AZURITE_PORT: zPort.default(0),
  SERVICEBUS_PORT: zPort.default(0),
  DATABASE_URL: zPostgresUrl.optional(),
  BLOB_CONNECTION_STRING: z.string().min(1).optional(),
  BLOB_ACCOUNT_URL: z.url().optional(),
  SERVICEBUS_CONNECTION_STRING: z.string().min(1).optional(),
  SERVICEBUS_NAMESPACE: z.string().min(1).optional(),
  SEED_ALBUMS: zPositiveInt.default(3_000),
  SEED_RATINGS: zPositiveInt.default(300_000),
  /** Development users who may use the operator console at /admin (comma-separated). */
  AUTH_DEV_ADMINS: z.string().default("admin"),
  /** Use `next dev` instead of building and running the production server. */
  WEB_DEV: z.enum(["true", "false"]).default("false"),
});
export type TLocalStackEnv = z.infer<typeof ZLocalStackEnv>;

/**
 * The web app's port: WEB_PORT, else PORT, else 3000. WEB_PORT is the stack's own setting
 * and so wins; PORT is honoured because it is what Node.js servers (Next.js included) read,
 * and `PORT=4000 npm start` should mean what it says. 0 means any free port.
 */
export function chooseWebPort(env: Pick<TLocalStackEnv, "WEB_PORT" | "PORT">): number {
  return env.WEB_PORT ?? env.PORT ?? DEFAULT_WEB_PORT;
}
