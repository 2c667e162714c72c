import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import type { Logger } from "@reports/runtime";

export interface ManagedChild {
  child: ChildProcess;
  /** Resolves when the process has exited (whatever the reason). */
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. Idempotent. */
  stop(graceMs?: number): Promise<void>;
  /** Calls `listener` with each further line of output (stdout and stderr); returns the unsubscribe. */
  onLine(listener: (line: string) => void): () => void;
}

export interface SpawnManagedOptions {
  name: string;
  /**
   * What to run: `{ node: args }` runs Node.js (this process's binary) with the parent watch
   * preloaded, so that the process stops when we die, however we die; `{ command, args }`
   * runs anything else.
   */
  run: { node: string[] } | { command: string; args: string[] };
  cwd: string;
  env: NodeJS.ProcessEnv;
  log: Logger;
  /** Called with each line of output (stdout and stderr), after it is echoed. */
  onLine?: (line: string) => void;
  /** Echo the child's output prefixed with its name (the local stack does; tests don't). */
  echo?: boolean;
  /** Lines not to echo (they still reach `onLine`). */
  hideLine?: (line: string) => boolean;
}

/** The module every Node.js child preloads: it stops the child when its stdin pipe ends. */
const PARENT_WATCH = new URL("./parent-watch.mjs", import.meta.url).href;

/** A process group the local stack has started (its leader's pid is the group id). */
export interface ProcessGroupEvent {
  name: string;
  pid: number;
}
const spawnListeners = new Set<(event: ProcessGroupEvent) => void>();

/**
 * Calls `listener` with every process group spawnManaged starts from now on, so that a
 * supervisor can tell a guardian which groups to stop should it die itself. Returns the
 * function that stops listening.
 */
export function onProcessGroupStarted(listener: (event: ProcessGroupEvent) => void): () => void {
  spawnListeners.add(listener);
  return () => spawnListeners.delete(listener);
}

/** Sends `signal` to a whole process group; false when the group is gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (err) {
    // EPERM: the group exists but is not ours to signal (it still counts as alive).
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Spawns a component of the stack in its own process group: a terminal's Ctrl-C then
 * reaches only the stack, which stops the components in order (apps before their
 * database). Were they in our group, each would get the terminal's SIGINT and then our
 * SIGTERM, which a graceful process rightly treats as "second signal: exit now".
 * `stop` signals the whole group, so grandchildren (Next's server) go too.
 */
export function spawnManaged(options: SpawnManagedOptions): ManagedChild {
  const isNode = "node" in options.run;
  const command = "node" in options.run ? process.execPath : options.run.command;
  const args = "node" in options.run ? ["--import", PARENT_WATCH, ...options.run.node] : options.run.args;
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    // A Node.js child watches its stdin: we never write to it, and its end means we are gone.
    stdio: [isNode ? "pipe" : "ignore", "pipe", "pipe"],
    detached: true,
  });
  child.stdin?.on("error", () => {}); // EPIPE once the child has exited: nothing to do
  const signal = (name: NodeJS.Signals) => {
    if (child.pid === undefined || !signalGroup(child.pid, name)) child.kill(name);
  };
  // Last resort: if we exit without stopping it (a crash), do not leave the group behind.
  const onExit = () => signal("SIGKILL");
  process.once("exit", onExit);
  if (child.pid !== undefined) {
    const event = { name: options.name, pid: child.pid };
    for (const listener of spawnListeners) listener(event);
  }
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => {
      process.removeListener("exit", onExit);
      resolve(code);
    });
    child.once("error", (err) => {
      options.log.error({ err, component: options.name }, "could not start process");
      resolve(null);
    });
  });
  const lineListeners = new Set<(line: string) => void>();
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on("line", (line) => {
      if (options.echo && !options.hideLine?.(line)) process.stdout.write(`[${options.name}] ${line}\n`);
      options.onLine?.(line);
      for (const listener of lineListeners) listener(line);
    });
  }
  let stopping: Promise<void> | undefined;
  return {
    child,
    exited,
    onLine(listener) {
      lineListeners.add(listener);
      return () => lineListeners.delete(listener);
    },
    stop(graceMs = 15_000) {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        signal("SIGTERM");
        const timer = setTimeout(() => signal("SIGKILL"), graceMs);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}

/** The reason of an AbortSignal as an Error. */
export function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason ?? "aborted"));
}

/**
 * Waits until `predicate` sees a line, the process exits, the timeout passes or `signal`
 * aborts (a stop requested during start-up).
 */
export function waitForLine(
  managed: ManagedChild,
  predicate: (line: string) => boolean,
  { timeoutMs, what, signal }: { timeoutMs: number; what: string; signal?: AbortSignal | undefined },
): Promise<string> {
  return new Promise((resolve, reject) => {
    let unsubscribe = () => {};
    const onAbort = () => {
      cleanup();
      reject(abortReason(signal!));
    };
    const cleanup = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      unsubscribe();
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    if (signal?.aborted) {
      onAbort();
      return;
    }
    signal?.addEventListener("abort", onAbort, { once: true });
    unsubscribe = managed.onLine((line) => {
      if (predicate(line)) {
        cleanup();
        resolve(line);
      }
    });
    void managed.exited.then((code) => {
      cleanup();
      reject(new Error(`process exited with code ${code} before ${what}`));
    });
  });
}
