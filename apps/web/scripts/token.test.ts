import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { promisify } from "node:util";
import { createAuthVerifier } from "@reports/api";
import { stackEnvFile, writeDotenv } from "@reports/runtime/local-stack";
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

/** `npm run token -- <args>` as npm runs it: in apps/web, through tsx. */
async function runToken(args: string[], env: NodeJS.ProcessEnv) {
  return run(process.execPath, ["--import", "tsx", "scripts/token.ts", ...args], {
    cwd: WEB_DIR,
    env,
    timeout: 60_000,
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code: number; stdout: string; stderr: string }) => err,
  );
}

async function printToken(user: string, env: NodeJS.ProcessEnv): Promise<string> {
  const { code, stdout, stderr } = await runToken(["--user", user], env);
  expect(stderr).toBe("");
  expect(code).toBe(0);
  return stdout.trim().split("\n").at(-1)!;
}

describe("npm run token", () => {
  let stateDir: string;

  beforeEach(async () => {
    stateDir = await mkdtemp(join(tmpdir(), "token-state-"));
    // As npm start writes it.
    await writeDotenv(
      stackEnvFile(stateDir),
      { AUTH_MODE: "development", AUTH_DEV_SECRET: SECRET, APP_ENV: "development" },
      "test",
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

  it("prints its usage for --help", async () => {
    const { code, stdout } = await runToken(["--help"], shellEnv({ LOCAL_STATE_DIR: stateDir }));
    expect(code).toBe(0);
    expect(stdout).toMatch(/^usage: npm run -s token -- --user <name> \[--ttl <span>\]/);
    expect(stdout).toContain("--ttl <span>");
  });

  it("answers an unknown option with what is wrong and the usage, not a stack trace", async () => {
    const { code, stderr } = await runToken(["--users", "alice"], shellEnv({ LOCAL_STATE_DIR: stateDir }));
    expect(code).toBe(2);
    expect(stderr).toContain("Unknown option '--users'");
    expect(stderr).toContain("usage: npm run -s token");
    expect(stderr).not.toContain("ERR_PARSE_ARGS");
  });

  it.each([
    ["alice smith", "Use letters, digits and . _ @ - only."],
    ["a".repeat(65), "Use at most 64 characters."],
    ["", "Enter a user name."],
  ])("refuses the user name %j as the sign-in form does", async (user, message) => {
    const { code, stdout, stderr } = await runToken(
      ["--user", user],
      shellEnv({ LOCAL_STATE_DIR: stateDir }),
    );
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain(message);
  });
});
