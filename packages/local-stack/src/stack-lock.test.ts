import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { acquireStackLock, processStartTime, StackRunningError, stackLockFile } from "./stack-lock.ts";

/** The pid of a process that has come and gone. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
    encoding: "utf8",
  });
  return Number(child.stdout);
}

describe("acquireStackLock", () => {
  let stateDir: string;
  beforeEach(async () => {
    stateDir = await mkdtemp(join(tmpdir(), "stack-lock-"));
  });
  afterEach(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  it("refuses while its owner runs, naming the process to stop and the URL", async () => {
    const lock = await acquireStackLock(stateDir, { stopPid: 4242 });
    await lock.update({ webUrl: "http://127.0.0.1:4300" });
    const refusal = await acquireStackLock(stateDir, {}).catch((err: unknown) => err);
    expect(refusal).toBeInstanceOf(StackRunningError);
    expect((refusal as Error).message).toMatch(
      new RegExp(
        `^Another local stack is running in ${stateDir}: pid 4242, serving http://127.0.0.1:4300, since `,
      ),
    );
    await lock.release();
    const again = await acquireStackLock(stateDir, {});
    await again.release();
  });

  it("takes over a lock whose owner is gone", async () => {
    await writeFile(
      stackLockFile(stateDir),
      JSON.stringify({
        pid: deadPid(),
        startedAt: "2026-01-01T00:00:00.000Z",
        webUrl: "http://127.0.0.1:3000",
      }),
    );
    const lock = await acquireStackLock(stateDir, {});
    expect(JSON.parse(await readFile(stackLockFile(stateDir), "utf8"))).toMatchObject({ pid: process.pid });
    await lock.release();
  });

  it("takes over a lock whose pid now belongs to another process", async () => {
    // Our own pid, but a start time that is not ours: the pid was reused.
    expect(processStartTime(process.pid)).toBeDefined();
    await writeFile(
      stackLockFile(stateDir),
      JSON.stringify({ pid: process.pid, processStart: "1", startedAt: "2026-01-01T00:00:00.000Z" }),
    );
    const lock = await acquireStackLock(stateDir, {});
    await lock.release();
  });

  it("takes over an unreadable lock, and leaves a lock that is not its own when releasing", async () => {
    await writeFile(stackLockFile(stateDir), "not json");
    const lock = await acquireStackLock(stateDir, {});
    const other = JSON.stringify({ pid: 1, startedAt: "2026-01-01T00:00:00.000Z" });
    await writeFile(stackLockFile(stateDir), other);
    await lock.release();
    expect(await readFile(stackLockFile(stateDir), "utf8")).toBe(other);
  });
});
