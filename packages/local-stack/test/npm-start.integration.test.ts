import { execFile, spawnSync } from "node:child_process";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getFreePort } from "@reports/runtime";
import { readDotenv } from "@reports/runtime/local-stack";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../src/config.ts";
import { type NpmStart, pidOf, plainShellEnv, startNpmStart } from "./npm-start.ts";

// `npm start` as a user runs it, stopped every way a user (or their terminal) stops it. The
// check is the process table: every process of a run carries a marker variable in its
// environment, whatever group or session it put itself in, so a leftover cannot hide.

/** Generous bounds for a 2-core machine shared with other test runs. */
const READY_MS = 180_000;
const GONE_MS = 60_000;

const ESC = "\u001b";

/** What `npm start` runs (packages/local-stack's start script): the process a user stops. */
const NPM_START = "packages/local-stack/src/main.ts";

describe("npm start", () => {
  let stateDir: string;
  const runs: NpmStart[] = [];
  const start = (env: Record<string, string> = {}) => {
    const run = startNpmStart({
      LOCAL_STATE_DIR: stateDir,
      SEED_ALBUMS: "200",
      SEED_RATINGS: "5000",
      ...env,
    });
    runs.push(run);
    return run;
  };

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), "npm-start-"));
    // Embedded PostgreSQL drops to the "postgres" user when run as root: it must traverse this.
    await chmod(stateDir, 0o755);
    // The web app's production build, as npm start makes it (cached by Turborepo), so that
    // the starts below are not timed with a first build in them.
    const build = spawnSync(
      process.execPath,
      [join(REPO_ROOT, "node_modules/turbo/bin/turbo"), "run", "build", "--filter=@reports/web"],
      { cwd: REPO_ROOT, stdio: "ignore", timeout: 600_000 },
    );
    if (build.status !== 0) throw new Error(`web build failed (exit ${build.status})`);
  }, 660_000);

  afterEach(async () => {
    // A failed test must not leave its stack to the next one (or to the machine).
    for (const run of runs.splice(0)) await run.killAll();
  });

  afterAll(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  /** A repository script run as from a second terminal: the state folder is all it is told. */
  const runScript = (command: string, args: string[]) =>
    new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
      execFile(
        command,
        args,
        { cwd: REPO_ROOT, env: plainShellEnv({ LOCAL_STATE_DIR: stateDir }), timeout: 120_000 },
        (err, stdout, stderr) =>
          err ? reject(new Error(`${command} ${args.join(" ")}: ${stderr}`)) : resolve({ stdout, stderr }),
      );
    });

  it(
    "serves on PORT, refuses a second start in its folder, and stops in order on Ctrl-C leaving nothing",
    async () => {
      const port = await getFreePort();
      const first = start({ PORT: String(port) });
      await first.waitForOutput(/^Ready in .*$/m, READY_MS);
      const webUrl = `http://127.0.0.1:${port}`;
      expect(first.output()).toContain(`Ready in`);
      expect((await fetch(`${webUrl}/healthz`)).status).toBe(200);

      // A second npm start on the same folder: refused, naming the running one.
      const second = start({ WEB_PORT: String(await getFreePort()) });
      expect(await second.exited).not.toBe(0);
      expect(second.output()).toContain(`Another local stack is running in ${stateDir}`);
      expect(second.output()).toContain(webUrl);
      expect(second.output()).toContain(`pid ${pidOf(first, NPM_START)}`);
      await second.waitUntilGone(GONE_MS);
      expect((await fetch(`${webUrl}/healthz`)).status).toBe(200);

      // The README's scripts, from a shell that knows only the state folder (no stack.env sourced).
      const token = (await runScript("npm", ["run", "-s", "token", "--", "--user", "alice"])).stdout
        .trim()
        .split("\n")
        .at(-1)!;
      const accepted = await fetch(`${webUrl}/reports/popularity`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ genre: "jazz", limit: 5 }),
      });
      expect(accepted.status).toBe(202);
      const example = await runScript("npx", [
        "tsx",
        "apps/web/scripts/trpc-client-example.ts",
        "--limit",
        "3",
      ]);
      expect(example.stdout).toMatch(/completed in .* s: 3 rows/);
      expect((await runScript("npm", ["run", "db:migrate"])).stdout).toContain("no pending migrations");

      // Ctrl-C: the terminal signals npm start's whole process group.
      // (npm itself then ends by that signal, as a shell expects; the stack says it stopped.)
      process.kill(-first.pgid, "SIGINT");
      await first.exited;
      await first.waitUntilGone(GONE_MS);

      const output = first.output();
      expect(output).toContain("the local stack has stopped");
      // One ready line: Next.js's own "✓ Ready in" is not shown.
      expect(output.match(/\bReady\b/g)).toHaveLength(1);
      // Redirected output: no colour codes, from the stack or any component.
      expect(output).not.toContain(ESC);
      // A clean stop says nothing alarming: PostgreSQL outlives its clients.
      expect(output).not.toMatch(/FATAL|57P01|\bWARN\b|\bERROR\b/);
      const order = ["(worker): stopped", "web app stopped", "Azurite stopped", "PostgreSQL stopped"].map(
        (line) => output.indexOf(line),
      );
      expect(order.every((index) => index >= 0)).toBe(true);
      expect([...order].sort((a, b) => a - b)).toEqual(order);
    },
    READY_MS + 4 * GONE_MS,
  );

  // Every moment of the start-up, and after it: whatever was started is stopped again.
  it.each([
    ["SIGTERM", "while PostgreSQL starts", /initialising PostgreSQL|PostgreSQL started/],
    ["SIGHUP", "once Azurite is up", /Azurite started/],
    ["SIGINT", "while the web app starts", /^\[web\]/m],
    ["SIGTERM", "while the worker starts", /^\[worker\]/m],
    ["SIGHUP", "when ready", /^Ready in/m],
    ["SIGTERM", "when ready", /^Ready in/m],
  ] as const)(
    "leaves nothing after %s to its process group %s",
    async (signal, moment, pattern) => {
      const run = start({ WEB_PORT: String(await getFreePort()) });
      await run.waitForOutput(pattern, READY_MS);
      process.kill(-run.pgid, signal);
      await run.exited;
      await run.waitUntilGone(GONE_MS);
      const output = run.output();
      expect(output).toMatch(/stopped during start-up|the local stack has stopped/);
      // Stopped at once after the ready line: the worker's receivers may still be attaching.
      if (moment === "when ready") expect(output).not.toMatch(/FATAL|57P01|\bWARN\b|\bERROR\b/);
    },
    READY_MS + 2 * GONE_MS,
  );

  it(
    "stops everything when npm start itself is killed with SIGKILL",
    async () => {
      const run = start({ WEB_PORT: String(await getFreePort()) });
      await run.waitForOutput(/^Ready in/m, READY_MS);
      process.kill(pidOf(run, NPM_START), "SIGKILL");
      await run.waitUntilGone(GONE_MS);
      expect(run.output()).toContain("the local stack has stopped");
    },
    READY_MS + 2 * GONE_MS,
  );

  it(
    "stops everything when the supervisor is killed with SIGKILL",
    async () => {
      const run = start({ WEB_PORT: String(await getFreePort()) });
      await run.waitForOutput(/^Ready in/m, READY_MS);
      process.kill(pidOf(run, "packages/local-stack/src/supervisor.ts"), "SIGKILL");
      expect(await run.exited).not.toBe(0);
      await run.waitUntilGone(GONE_MS);
      expect(run.output()).toContain("supervisor was killed (SIGKILL)");
    },
    READY_MS + 2 * GONE_MS,
  );

  it(
    "refuses service settings left in the shell from stack.env of a stack that has stopped",
    async () => {
      // stack.env as a stack wrote it, the stack stopped since (the runs above, or this one).
      if (!(await readDotenv(join(stateDir, "stack.env"))).DATABASE_URL) {
        const earlier = start({ WEB_PORT: String(await getFreePort()) });
        await earlier.waitForOutput(/^Ready in/m, READY_MS);
        process.kill(-earlier.pgid, "SIGINT");
        await earlier.waitUntilGone(GONE_MS);
      }
      const recorded = await readDotenv(join(stateDir, "stack.env"));
      expect(recorded.DATABASE_URL).toMatch(/^postgres/);
      const run = start({ ...recorded, WEB_PORT: String(await getFreePort()) });
      expect(await run.exited).not.toBe(0);
      await run.waitUntilGone(GONE_MS);
      expect(run.output()).toContain(
        "DATABASE_URL, BLOB_CONNECTION_STRING, SERVICEBUS_CONNECTION_STRING in this shell are what",
      );
      expect(run.output()).toContain("unset DATABASE_URL");
      expect(run.output()).not.toContain("ECONNREFUSED");
    },
    READY_MS + 3 * GONE_MS,
  );

  it(
    "says that nothing answers at a DATABASE_URL pointing nowhere, not a bare ECONNREFUSED",
    async () => {
      const nowhere = await getFreePort();
      const run = start({
        DATABASE_URL: `postgresql://postgres:postgres@127.0.0.1:${nowhere}/reports`,
        WEB_PORT: String(await getFreePort()),
      });
      expect(await run.exited).not.toBe(0);
      await run.waitUntilGone(GONE_MS);
      expect(run.output()).toContain(
        `Cannot reach the database at 127.0.0.1:${nowhere}/reports (DATABASE_URL from the environment): nothing is listening there.`,
      );
    },
    2 * GONE_MS,
  );

  it(
    "refuses a web port that is taken before starting anything, suggesting a free one",
    async () => {
      const { createServer } = await import("node:net");
      const server = createServer();
      const port = await new Promise<number>((resolve) =>
        server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)),
      );
      try {
        const run = start({ WEB_PORT: String(port) });
        expect(await run.exited).not.toBe(0);
        await run.waitUntilGone(GONE_MS);
        expect(run.output()).toMatch(new RegExp(`Port ${port} is taken .* WEB_PORT=\\d+ npm start`));
        expect(run.output()).not.toContain("PostgreSQL started");
      } finally {
        server.close();
      }
    },
    2 * GONE_MS,
  );
});
