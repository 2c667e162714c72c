import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getFreePort } from "@reports/runtime";
import { REPO_ROOT, stackEnvFile, writeDotenv } from "@reports/runtime/local-stack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, queryRows, type TestDatabase } from "../testing.ts";

/** `npm run <script> -- <args>` from the repository root, in a shell with no database settings. */
function npmRun(script: string, args: string[], env: Record<string, string>) {
  const shell: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const name of ["DATABASE_URL", "VITEST", "VITEST_WORKER_ID", "VITEST_POOL_ID", "NODE_ENV"]) {
    if (!(name in env)) delete shell[name];
  }
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      "npm",
      ["run", "-s", script, "--", ...args],
      { cwd: REPO_ROOT, env: shell, timeout: 120_000 },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

// What the README's "Scripts" promise: run from a plain shell while the stack runs, they find
// its database through the state folder (LOCAL_STATE_DIR), not through a sourced stack.env.
describe("database scripts from a plain shell", () => {
  let test: TestDatabase;
  let stateDir: string;

  beforeAll(async () => {
    test = await createTestDatabase({ name: "scripts" });
    stateDir = await mkdtemp(join(tmpdir(), "db-scripts-state-"));
    // stack.env as npm start writes it.
    await writeDotenv(stackEnvFile(stateDir), { DATABASE_URL: test.url }, "test");
  });

  afterAll(async () => {
    await test?.drop();
    await rm(stateDir, { recursive: true, force: true });
  });

  it("npm run db:seed seeds the database of the stack in LOCAL_STATE_DIR", async () => {
    const result = await npmRun("db:seed", ["--albums", "7", "--ratings", "70"], {
      LOCAL_STATE_DIR: stateDir,
    });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const rows = await queryRows<{ count: string }>(test.url, "SELECT count(*) FROM albums");
    expect(rows).toEqual([{ count: "7" }]);
  }, 150_000);

  it("npm run db:migrate finds it too, and finds nothing more to apply", async () => {
    const result = await npmRun("db:migrate", [], { LOCAL_STATE_DIR: stateDir, LOG_LEVEL: "info" });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("no pending migrations");
  }, 150_000);

  it("says that the stack is not running when its database does not answer", async () => {
    const stopped = await mkdtemp(join(tmpdir(), "db-scripts-stopped-"));
    try {
      const port = await getFreePort();
      await writeDotenv(
        stackEnvFile(stopped),
        { DATABASE_URL: `postgresql://postgres:postgres@127.0.0.1:${port}/reports` },
        "test",
      );
      const result = await npmRun("db:seed", [], { LOCAL_STATE_DIR: stopped });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain(
        `Cannot reach the database at 127.0.0.1:${port}/reports (DATABASE_URL from ${stackEnvFile(stopped)}): ` +
          "nothing is listening there. Is the local stack running? Start it with npm start.",
      );
    } finally {
      await rm(stopped, { recursive: true, force: true });
    }
  }, 150_000);

  it("prints its usage for --help", async () => {
    const result = await npmRun("db:seed", ["--help"], { LOCAL_STATE_DIR: stateDir });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^usage: npm run db:seed -- \[--albums N\]/);
  }, 150_000);
});
