import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { promisify } from "node:util";
import { createAuthVerifier } from "@reports/api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const run = promisify(execFile);
const WEB_DIR = resolve(import.meta.dirname, "..");
const REPO_ROOT = resolve(WEB_DIR, "../..");
const SECRET = "a-secret-only-this-state-folder-knows-0123456789";

/** The environment of a shell with no stack settings of its own, plus `extra`. */
function shellEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const name of ["AUTH_DEV_SECRET", "AUTH_MODE", "APP_ENV"]) delete env[name];
  return env;
}

/** `npm run token -- --user <user>` as npm runs it: in apps/web, through tsx. */
async function printToken(user: string, env: NodeJS.ProcessEnv): Promise<string> {
  const { stdout } = await run(process.execPath, ["--import", "tsx", "scripts/token.ts", "--user", user], {
    cwd: WEB_DIR,
    env,
    timeout: 60_000,
  });
  return stdout.trim().split("\n").at(-1)!;
}

describe("npm run token", () => {
  let stateDir: string;

  beforeEach(async () => {
    stateDir = await mkdtemp(join(tmpdir(), "token-state-"));
    await writeFile(
      join(stateDir, "stack.env"),
      `# as npm start writes it\nAUTH_MODE="development"\nAUTH_DEV_SECRET="${SECRET}"\nAPP_ENV="development"\n`,
    );
  });
  afterEach(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  it("signs with the secret of the state folder LOCAL_STATE_DIR names", async () => {
    const token = await printToken("alice", shellEnv({ LOCAL_STATE_DIR: stateDir }));
    const verifier = createAuthVerifier({ mode: "development", secret: SECRET });
    await expect(verifier.verifyToken(token)).resolves.toEqual({ userId: "alice" });
  });

  it("resolves a relative LOCAL_STATE_DIR from the repository root, as npm start does", async () => {
    // npm runs the script in apps/web; the stack resolves the folder from the repository root.
    const token = await printToken("bob", shellEnv({ LOCAL_STATE_DIR: relative(REPO_ROOT, stateDir) }));
    const verifier = createAuthVerifier({ mode: "development", secret: SECRET });
    await expect(verifier.verifyToken(token)).resolves.toEqual({ userId: "bob" });
  });
});
