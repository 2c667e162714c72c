import { join, resolve } from "node:path";
import { BASE_ENV_FIELDS, zPort, zPositiveInt, zPostgresUrl } from "@reports/runtime";
import { z } from "zod";

/**
 * What `npm start` reads. Every component is replaceable: when DATABASE_URL, a Blob setting
 * or a Service Bus setting is present, that service is used and the embedded one is not
 * started. Ports default to 0 ("any free port") except the web app's, which prefers 3000
 * and falls back to a free port when 3000 is taken.
 */
export const ZLocalStackEnv = z.object({
  ...BASE_ENV_FIELDS,
  LOCAL_STATE_DIR: z.string().default(".local"),
  WEB_PORT: zPort.default(3000),
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
  /** Use `next dev` instead of building and running the production server. */
  WEB_DEV: z.enum(["true", "false"]).default("false"),
});
export type TLocalStackEnv = z.infer<typeof ZLocalStackEnv>;

/** The repository root, whatever the current directory. */
export const REPO_ROOT = resolve(import.meta.dirname, "../../..");

/** The state folder `LOCAL_STATE_DIR` names; a relative path is taken from the repository root. */
export function resolveStateDir(localStateDir: string): string {
  return resolve(REPO_ROOT, localStateDir);
}

/**
 * The running stack's resolved settings in its state folder (`set -a; . <file>`); the
 * repository's scripts (`npm run token`) read it to reach that stack.
 */
export function stackEnvFile(stateDir: string): string {
  return join(stateDir, "stack.env");
}
