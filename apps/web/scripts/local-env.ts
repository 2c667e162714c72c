import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseEnv } from "node:util";

/** `<repo root>/.local/stack.env`, written by the running local stack. */
export const STACK_ENV_FILE = fileURLToPath(new URL("../../../.local/stack.env", import.meta.url));

/**
 * The process environment over the local stack's settings: a variable set in the shell wins,
 * so the scripts also work against a stack started with explicit configuration.
 */
export function readScriptEnv(): Record<string, string | undefined> {
  const stack = existsSync(STACK_ENV_FILE) ? parseEnv(readFileSync(STACK_ENV_FILE, "utf8")) : {};
  return { ...stack, ...process.env };
}
