import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

export { readDotenv, writeDotenv } from "@reports/runtime/local-stack";

/**
 * The development signing secret is generated once per state folder and kept, so tokens
 * printed by `npm run token` stay valid across restarts of the stack.
 */
export async function loadOrCreateDevSecret(stateDir: string): Promise<string> {
  await mkdir(stateDir, { recursive: true });
  const path = join(stateDir, "dev-secret");
  try {
    const existing = (await readFile(path, "utf8")).trim();
    if (existing.length >= 32) return existing;
  } catch {
    // first start
  }
  const secret = randomBytes(32).toString("base64url");
  await writeFile(path, `${secret}\n`, { mode: 0o600 });
  return secret;
}
