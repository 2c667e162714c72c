import { BASE_ENV_FIELDS, parseConfig, zPostgresUrl } from "@reports/runtime";
import { displayPath, readScriptEnv } from "@reports/runtime/local-stack";
import { z } from "zod";
import { assertDatabaseReachable } from "../reachability.ts";

const ZDatabaseScriptEnv = z.object({ ...BASE_ENV_FIELDS, DATABASE_URL: zPostgresUrl });
export type TDatabaseScriptEnv = z.infer<typeof ZDatabaseScriptEnv>;

/**
 * The configuration of a database script run from a plain shell: DATABASE_URL from the
 * environment, else from the running local stack's stack.env; checked to answer, with a
 * message that says where the URL came from and what to do when it does not.
 */
export async function loadDatabaseScriptEnv(): Promise<TDatabaseScriptEnv> {
  const { env, file, sourceOf } = await readScriptEnv();
  if (!env.DATABASE_URL) {
    throw new Error(
      `DATABASE_URL is not set and ${displayPath(file)} does not exist: start the local stack (npm start) first, ` +
        "or set DATABASE_URL to the database to use.",
    );
  }
  const config = parseConfig(ZDatabaseScriptEnv, env);
  const source = sourceOf("DATABASE_URL");
  await assertDatabaseReachable(config.DATABASE_URL, {
    ...(source ? { source } : {}),
    hint:
      source === "the environment"
        ? "Check DATABASE_URL, or unset it to use the local stack's database."
        : "Is the local stack running? Start it with npm start.",
  });
  return config;
}
