import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import type { Logger } from "@reports/runtime";

export interface ManagedChild {
  child: ChildProcess;
  /** Resolves when the process has exited (whatever the reason). */
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnManagedOptions {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  log: Logger;
  /** Called with each line of output (stdout and stderr), after it is echoed. */
  onLine?: (line: string) => void;
  /** Echo the child's output prefixed with its name (the local stack does; tests don't). */
  echo?: boolean;
}

/**
 * Spawns a component of the stack in its own process group: a terminal's Ctrl-C then
 * reaches only the stack, which stops the components in order (apps before their
 * database). Were they in our group, each would get the terminal's SIGINT and then our
 * SIGTERM, which a graceful process rightly treats as "second signal: exit now".
 * `stop` signals the whole group, so grandchildren (Next's server) go too.
 */
export function spawnManaged(options: SpawnManagedOptions): ManagedChild {
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const signal = (name: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, name);
    } catch {
      child.kill(name);
    }
  };
  // Last resort: if we exit without stopping it (a crash), do not leave the group behind.
  const onExit = () => signal("SIGKILL");
  process.once("exit", onExit);
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
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on("line", (line) => {
      if (options.echo) process.stdout.write(`[${options.name}] ${line}\n`);
      options.onLine?.(line);
    });
  }
  let stopping: Promise<void> | undefined;
  return {
    child,
    exited,
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

/** Waits until `predicate` sees a line, the process exits, or the timeout passes. */
export function waitForLine(
  managed: ManagedChild,
  predicate: (line: string) => boolean,
  { timeoutMs, what }: { timeoutMs: number; what: string },
): Promise<string> {
  return new Promise((resolve, reject) => {
    const streams = [managed.child.stdout, managed.child.stderr].filter((s) => s !== null);
    const readers = streams.map((input) => createInterface({ input }));
    const cleanup = () => {
      clearTimeout(timer);
      for (const reader of readers) reader.close();
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    for (const reader of readers) {
      reader.on("line", (line) => {
        if (predicate(line)) {
          cleanup();
          resolve(line);
        }
      });
    }
    void managed.exited.then((code) => {
      cleanup();
      reject(new Error(`process exited with code ${code} before ${what}`));
    });
  });
}
