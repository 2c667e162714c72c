import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

export const BIN = fileURLToPath(new URL("../bin/servicebus-emulator.mjs", import.meta.url));

export interface CliProcess {
  child: ChildProcess;
  connectionString: string;
  port: number;
  /** Milliseconds from spawn to the connection string on stdout. */
  startMs: number;
  stderr(): string;
}

/** Spawns the CLI and waits for the connection string it prints once listening. */
export async function spawnCli(args: string[], cwd?: string): Promise<CliProcess> {
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const connectionString = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`CLI did not start: ${stderr}`)), 15_000);
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const newline = stdout.indexOf("\n");
      if (newline >= 0) {
        clearTimeout(timer);
        resolve(stdout.slice(0, newline));
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`CLI exited with ${code}: ${stderr}`));
    });
  });
  const startMs = performance.now() - started;
  const port = Number(/:(\d+);/.exec(connectionString)?.[1]);
  return { child, connectionString, port, startMs, stderr: () => stderr };
}

export async function waitForExit(
  child: ChildProcess,
): Promise<{ code: number | null; signal: string | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return { code: child.exitCode, signal: child.signalCode };
  }
  const [code, signal] = (await once(child, "exit")) as [number | null, string | null];
  return { code, signal };
}
