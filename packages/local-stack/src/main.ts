// `npm start`: the whole product on this machine, no Docker, no system services.
//
// Two processes guard each other so that nothing of the stack outlives a stop, however it
// comes. This one stays in the terminal's process group and relays stop requests; the
// supervisor (supervisor.ts) runs in a session of its own, where a terminal's Ctrl-C or
// hang-up cannot reach the components, and stops them in order: apps, then emulators,
// then PostgreSQL.
// - We are signalled (SIGINT, SIGTERM, SIGHUP): we ask the supervisor to stop and wait.
// - We die (even SIGKILL): the supervisor sees the IPC channel close and stops everything.
// - The supervisor dies: we stop every process group it reported, then its own group
//   (embedded PostgreSQL runs there), and exit.
// - Both die at once: the Node.js components still see their stdin pipe close
//   (parent-watch.mjs); PostgreSQL is stopped by the next start (packages/db embedded.ts).
import { spawn } from "node:child_process";
import { DUPLICATE_SIGNAL_WINDOW_MS, sleep } from "@reports/runtime";
import { signalGroup } from "./child-process.ts";
import type { SupervisorMessage } from "./protocol.ts";

const SUPERVISOR = new URL("./supervisor.ts", import.meta.url).pathname;
/** How long the process groups of a supervisor that died get after SIGTERM before SIGKILL. */
const SWEEP_GRACE_MS = 10_000;

function say(text: string) {
  try {
    process.stderr.write(text);
  } catch {
    // the terminal is gone
  }
}
process.stdout.on("error", () => {});
process.stderr.on("error", () => {});

const supervisor = spawn(process.execPath, ["--import", "tsx", SUPERVISOR], {
  // setsid(): a session and process group of its own, away from the terminal's signals.
  detached: true,
  stdio: ["ignore", "inherit", "inherit", "ipc"],
  env: process.env,
});
const groups = new Map<number, string>();
if (supervisor.pid !== undefined) groups.set(supervisor.pid, "supervisor");
supervisor.on("message", (message: SupervisorMessage) => {
  if (message.type === "process-group") groups.set(message.pid, message.name);
});

const tell = (message: SupervisorMessage) => {
  if (supervisor.connected) supervisor.send(message, undefined, undefined, () => {});
};
let firstSignalAt: number | undefined;
const onSignal = (signal: NodeJS.Signals) => {
  if (firstSignalAt === undefined) {
    firstSignalAt = Date.now();
    tell({ type: "stop", signal });
    return;
  }
  // One Ctrl-C reaches us more than once (npm relays it to the group we are already in):
  // only a later signal means "stop waiting".
  if (Date.now() - firstSignalAt >= DUPLICATE_SIGNAL_WINDOW_MS) tell({ type: "stop-now" });
};
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, onSignal);

/** Stops whatever is left of the groups the supervisor reported: SIGTERM, then SIGKILL. */
async function sweep(): Promise<string[]> {
  const alive = () => [...groups.keys()].filter((pgid) => signalGroup(pgid, 0));
  const left = alive();
  if (left.length === 0) return [];
  for (const pgid of left) signalGroup(pgid, "SIGTERM");
  const deadline = Date.now() + SWEEP_GRACE_MS;
  while (alive().length > 0 && Date.now() < deadline) await sleep(100);
  for (const pgid of alive()) signalGroup(pgid, "SIGKILL");
  return left.map((pgid) => groups.get(pgid) ?? String(pgid));
}

supervisor.on("error", (err) => {
  say(`npm start: could not start the local stack's supervisor: ${err.message}\n`);
});
supervisor.on("exit", (code, signal) => {
  void sweep().then((left) => {
    if (signal !== null) {
      say(
        `npm start: the local stack's supervisor was killed (${signal}); stopped what it left running` +
          `${left.length > 0 ? `: ${left.join(", ")}` : ""}\n`,
      );
      process.exit(1);
    }
    process.exit(code ?? 1);
  });
});
