import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { resolve } from "node:path";
import { REPO_ROOT } from "../src/config.ts";

/** The variable every process of one test run of `npm start` inherits: how we find them all. */
const MARKER = "LOCAL_STACK_TEST_RUN";

/** Settings a developer's shell may hold that would change what npm start does. */
const SHELL_SETTINGS = [
  "DATABASE_URL",
  "BLOB_CONNECTION_STRING",
  "BLOB_ACCOUNT_URL",
  "SERVICEBUS_CONNECTION_STRING",
  "SERVICEBUS_NAMESPACE",
  "WEB_PORT",
  "PORT",
  "WEB_URL",
  "AUTH_DEV_SECRET",
  "AUTH_MODE",
  "APP_ENV",
  "LOCAL_STATE_DIR",
  "NO_COLOR",
  "FORCE_COLOR",
  "LOG_PRETTY",
  "LOG_LEVEL",
  "NODE_OPTIONS",
  "VITEST",
  "VITEST_WORKER_ID",
  "VITEST_POOL_ID",
  "NODE_ENV",
];

/** A shell with none of the settings that change what npm start and the scripts do, plus `env`. */
export function plainShellEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const shell: NodeJS.ProcessEnv = { ...process.env };
  for (const name of SHELL_SETTINGS) delete shell[name];
  return { ...shell, ...env };
}

export interface NpmStart {
  /** Process group of `npm start` (a terminal's foreground group). */
  pgid: number;
  child: ChildProcess;
  /** Everything printed so far (stdout and stderr, as a redirected log gets it). */
  output(): string;
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<void>;
  /** Resolves with the exit code of `npm start`. */
  exited: Promise<number | null>;
  /** Every process of this run still alive (all descendants, whatever group or session). */
  processes(): StackProcess[];
  /** Waits until no process of this run is left; throws naming the survivors. */
  waitUntilGone(timeoutMs: number): Promise<number>;
  /** SIGKILLs whatever of this run is left and waits until it is gone (test cleanup). */
  killAll(): Promise<void>;
}

export interface StackProcess {
  pid: number;
  command: string;
  /** Its working directory (relative script paths are relative to it). */
  cwd: string;
}

/** Processes whose environment holds `name=value` (Linux /proc). */
export function processesWithEnv(name: string, value: string): StackProcess[] {
  if (process.platform !== "linux") throw new Error("these tests read /proc: Linux only");
  const needle = `${name}=${value}`;
  const found: StackProcess[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, "latin1").split("\0");
      if (!environ.includes(needle)) continue;
      const command = readFileSync(`/proc/${entry}/cmdline`, "latin1").replaceAll("\0", " ").trim();
      found.push({ pid: Number(entry), command, cwd: readlinkSync(`/proc/${entry}/cwd`) });
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `npm start` from the repository root as a terminal would: in a process group of its
 * own (the one Ctrl-C signals), with a plain shell's environment plus `env`, its output
 * redirected (not a terminal).
 */
export function startNpmStart(env: Record<string, string>): NpmStart {
  const run = randomUUID();
  const child = spawn("npm", ["start"], {
    cwd: REPO_ROOT,
    env: { ...plainShellEnv(env), [MARKER]: run },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let text = "";
  const waiters = new Set<() => void>();
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding("utf8");
    stream?.on("data", (chunk: string) => {
      text += chunk;
      for (const waiter of waiters) waiter();
    });
  }
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const processes = () => processesWithEnv(MARKER, run);
  return {
    pgid: child.pid!,
    child,
    output: () => text,
    exited,
    processes,
    waitForOutput(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!pattern.test(text)) return;
          cleanup();
          resolve();
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no ${pattern} in npm start's output after ${timeoutMs} ms:\n${text}`));
        }, timeoutMs);
        const onExit = () => {
          cleanup();
          reject(new Error(`npm start exited before printing ${pattern}:\n${text}`));
        };
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
          child.removeListener("exit", onExit);
        };
        waiters.add(check);
        child.once("exit", onExit);
        check();
      });
    },
    async waitUntilGone(timeoutMs) {
      const started = Date.now();
      for (;;) {
        const left = processes();
        if (left.length === 0) return Date.now() - started;
        if (Date.now() - started > timeoutMs) {
          throw new Error(
            `still running ${timeoutMs} ms after the stop:\n${left.map((p) => `  ${p.pid} ${p.command}`).join("\n")}\n--- output:\n${text}`,
          );
        }
        await sleep(200);
      }
    },
    async killAll() {
      for (let attempt = 0; attempt < 50; attempt++) {
        const left = processes();
        if (left.length === 0) return;
        for (const { pid } of left) {
          try {
            process.kill(pid, "SIGKILL");
          } catch {
            // already gone
          }
        }
        await sleep(100);
      }
    },
  };
}

/**
 * The pid of the Node.js process running `script` (a path from the repository root) among
 * this run's processes; the worker's src/main.ts is not npm start's.
 */
export function pidOf(run: NpmStart, script: string): number {
  const path = resolve(REPO_ROOT, script);
  const found = run
    .processes()
    .find(
      (p) =>
        /^\S*node /.test(p.command) && p.command.split(" ").some((word) => resolve(p.cwd, word) === path),
    );
  if (!found) throw new Error(`no process running ${script}: ${JSON.stringify(run.processes())}`);
  return found.pid;
}
