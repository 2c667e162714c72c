import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** Reads a dotenv file into a record; missing file = empty. Only KEY=VALUE lines. */
export async function readDotenv(path: string): Promise<Record<string, string>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    return {};
  }
  const values: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const index = line.indexOf("=");
    if (index <= 0) continue;
    let value = line.slice(index + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = JSON.parse(value) as string;
    values[line.slice(0, index).trim()] = value;
  }
  return values;
}

/** Writes KEY="value" lines (JSON-quoted, so `;` and `=` in connection strings survive). */
export async function writeDotenv(path: string, values: Record<string, string>, header: string) {
  const lines = [
    `# ${header}`,
    ...Object.entries(values).map(([key, value]) => `${key}=${JSON.stringify(value)}`),
  ];
  await writeFile(path, `${lines.join("\n")}\n`, { mode: 0o600 });
}

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
