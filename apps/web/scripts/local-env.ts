import { existsSync, readFileSync } from "node:fs";
import { parseEnv } from "node:util";
import { resolveStateDir, stackEnvFile, ZLocalStackEnv } from "@reports/local-stack/config";

/**
 * The settings file of the local stack these scripts talk to: `stack.env` in the state folder
 * `npm start` uses (`LOCAL_STATE_DIR`, default `.local`, resolved the same way).
 */
export function localStackEnvFile(): string {
  const { LOCAL_STATE_DIR } = ZLocalStackEnv.pick({ LOCAL_STATE_DIR: true }).parse(process.env);
  return stackEnvFile(resolveStateDir(LOCAL_STATE_DIR));
}

/**
 * The process environment over the local stack's settings: a variable set in the shell wins,
 * so the scripts also work against a stack started with explicit configuration.
 */
export function readScriptEnv(): Record<string, string | undefined> {
  const file = localStackEnvFile();
  const stack = existsSync(file) ? parseEnv(readFileSync(file, "utf8")) : {};
  return { ...stack, ...process.env };
}
