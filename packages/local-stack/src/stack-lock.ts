import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { link, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** Who holds a state folder: written to `stack.lock` in it while a stack runs there. */
export interface StackLockOwner {
  /** The process that started the stack (for `npm start`, its supervisor). */
  pid: number;
  /** When that process started, as the kernel counts it (Linux): tells a reused pid apart. */
  processStart?: string | undefined;
  /** The process a user stops to stop the stack (`npm start`'s own), when not `pid`. */
  stopPid?: number | undefined;
  startedAt: string;
  webUrl?: string | undefined;
}

/** Another live stack holds the state folder. */
export class StackRunningError extends Error {
  constructor(
    readonly stateDir: string,
    readonly owner: StackLockOwner,
  ) {
    const stopPid = owner.stopPid ?? owner.pid;
    super(
      `Another local stack is running in ${stateDir}: pid ${stopPid}` +
        `${owner.webUrl ? `, serving ${owner.webUrl}` : " (still starting)"}, since ${owner.startedAt}.\n` +
        `It owns that folder's database. Stop it first (Ctrl-C in its terminal, or kill ${stopPid}), ` +
        `or give this one a folder of its own: LOCAL_STATE_DIR=.local-2 npm start`,
    );
    this.name = "StackRunningError";
  }
}

export interface StackLock {
  /** Records more about the running stack (its URL once known). */
  update(fields: Partial<StackLockOwner>): Promise<void>;
  /** Removes the lock if it is still ours; idempotent. */
  release(): Promise<void>;
}

/** Fields 3 onwards of /proc/<pid>/stat (state, ppid, …), or undefined without /proc. */
function procStat(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may hold spaces: count after it.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

/** The kernel's start time of `pid` (field 22 of /proc/<pid>/stat), or undefined without /proc. */
export function processStartTime(pid: number): string | undefined {
  return procStat(pid)?.[19];
}

/** True while the lock's owner runs: its pid is alive and, where we can tell, not reused. */
export function isOwnerAlive(owner: StackLockOwner): boolean {
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const stat = procStat(owner.pid);
  if (stat === undefined) return true; // no /proc: the signal check is all we have
  // A zombie has exited (its parent has not collected it yet); a different start time
  // means the pid now belongs to another process.
  if (stat[0] === "Z" || stat[0] === "X") return false;
  return owner.processStart === undefined || stat[19] === owner.processStart;
}

export function stackLockFile(stateDir: string): string {
  return join(stateDir, "stack.lock");
}

async function readOwner(path: string): Promise<StackLockOwner | undefined> {
  try {
    const owner = JSON.parse(await readFile(path, "utf8")) as StackLockOwner;
    return Number.isInteger(owner.pid) ? owner : undefined;
  } catch {
    return undefined;
  }
}

/** The owner of the state folder's lock while it is alive; undefined when free or stale. */
export async function readLiveStackOwner(stateDir: string): Promise<StackLockOwner | undefined> {
  const owner = await readOwner(stackLockFile(stateDir));
  return owner && isOwnerAlive(owner) ? owner : undefined;
}

/**
 * Takes the state folder for this process, so that a second stack started on it refuses
 * instead of taking over the first one's database. The lock file appears whole or not at
 * all (hard link of a complete file, which fails when the name exists); a lock whose owner
 * is dead (a stack killed with SIGKILL) is stale and removed.
 */
export async function acquireStackLock(
  stateDir: string,
  owner: Omit<StackLockOwner, "pid" | "processStart" | "startedAt">,
): Promise<StackLock> {
  const path = stackLockFile(stateDir);
  let current: StackLockOwner = {
    pid: process.pid,
    processStart: processStartTime(process.pid),
    startedAt: new Date().toISOString(),
    ...owner,
  };
  const write = async (target: string) => {
    await writeFile(target, `${JSON.stringify(current, null, 2)}\n`, { mode: 0o644 });
  };
  for (let attempt = 1; ; attempt++) {
    const temporary = `${path}.${randomUUID()}`;
    await write(temporary);
    try {
      await link(temporary, path);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const holder = await readOwner(path);
      if (holder && isOwnerAlive(holder)) throw new StackRunningError(stateDir, holder);
      // Stale (its owner is gone) or unreadable: take it over, a bounded number of times.
      if (attempt >= 5) throw new Error(`could not take the lock ${path}: it keeps changing`);
      await rm(path, { force: true });
    } finally {
      await rm(temporary, { force: true });
    }
  }
  let released = false;
  return {
    async update(fields) {
      if (released) return;
      current = { ...current, ...fields };
      const temporary = `${path}.${randomUUID()}`;
      await write(temporary);
      // rename replaces the file atomically: a reader sees the old or the new content.
      await rename(temporary, path);
    },
    async release() {
      if (released) return;
      released = true;
      const holder = await readOwner(path);
      if (holder?.pid === current.pid) await rm(path, { force: true });
    },
  };
}
