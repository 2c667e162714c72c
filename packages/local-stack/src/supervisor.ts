// The local stack's supervisor: started by `npm start` (main.ts) in a session of its own,
// so that a terminal's signals never reach the components directly (PostgreSQL would shut
// down under the apps); it starts the stack, and stops it in order when main.ts asks, when
// main.ts is gone (however it died), or when it is signalled itself.
import { writeSync } from "node:fs";
import { Writable } from "node:stream";
import { ConfigError, createLogger, parseConfig } from "@reports/runtime";
import { DEFAULT_LOCAL_STATE_DIR, displayPath, REPO_ROOT } from "@reports/runtime/local-stack";
import { onProcessGroupStarted } from "./child-process.ts";
import {
  chooseWebPort,
  DEFAULT_WEB_PORT,
  resolveStateDir,
  stackEnvFile,
  type TLocalStackEnv,
  ZLocalStackEnv,
} from "./config.ts";
import { type SupervisorMessage, wantsColour } from "./protocol.ts";
import { type LocalStack, startLocalStack } from "./stack.ts";
import { StackRunningError } from "./stack-lock.ts";

const startedAt = Date.now();

// Output goes straight to the terminal or file of `npm start`. Once that is gone (a closed
// terminal), writing fails: the stop must go on regardless.
function print(text: string) {
  try {
    writeSync(1, text);
  } catch {
    // nobody to tell
  }
}
process.stdout.on("error", () => {});
process.stderr.on("error", () => {});
const output = new Writable({
  write(chunk: Buffer, _encoding, callback) {
    print(chunk.toString());
    callback();
  },
});

// Stop requests: from main.ts over IPC, main.ts disappearing, or a signal to us directly.
const stopRequested = new AbortController();
let stoppedBy: string | undefined;
let stopping: Promise<void> | undefined;
let stack: LocalStack | undefined;
const requestStop = (why: string) => {
  if (stopRequested.signal.aborted) return;
  stoppedBy = why;
  stopRequested.abort(new Error(`stopped (${why}) before the stack was ready`));
  if (stack) stopping ??= stopStack(stack);
};
process.on("message", (message: SupervisorMessage) => {
  if (message.type === "stop") requestStop(message.signal);
  // A second Ctrl-C: no more waiting. Our exit handlers SIGKILL the components' process
  // groups and send PostgreSQL a fast shutdown; npm start sweeps whatever is left.
  if (message.type === "stop-now") {
    print("second signal: stopping everything at once\n");
    process.exit(130);
  }
});
process.on("disconnect", () => requestStop("npm start exited"));
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => requestStop(signal));

// Tell main.ts which process groups to stop should we die without stopping them ourselves.
const send = (message: SupervisorMessage) => {
  if (process.connected) process.send?.(message, undefined, undefined, () => {});
};
onProcessGroupStarted(({ name, pid }) => send({ type: "process-group", name, pid }));

function loadConfig(): TLocalStackEnv {
  try {
    return parseConfig(ZLocalStackEnv);
  } catch (err) {
    if (err instanceof ConfigError) {
      print(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}
const config = loadConfig();
const colour = wantsColour(process.env, process.stdout.isTTY === true);
const log = createLogger({
  name: "local-stack",
  level: config.LOG_LEVEL,
  pretty: true,
  colorize: colour,
  destination: output,
});
const stateDir = resolveStateDir(config.LOCAL_STATE_DIR);
const webPort = chooseWebPort(config);

async function stopStack(running: LocalStack) {
  log.info({ signal: stoppedBy }, "stopping the local stack");
  await running.close();
  log.info("the local stack has stopped");
}

/** What the ready line says to do next, with this stack's port and folder in every command. */
function readyText(webUrl: string): string {
  const port = Number(new URL(webUrl).port);
  const exports = [
    ...(port !== DEFAULT_WEB_PORT ? [`export WEB_PORT=${port}`] : []),
    ...(stateDir !== resolveStateDir(DEFAULT_LOCAL_STATE_DIR) ? [`export LOCAL_STATE_DIR=${stateDir}`] : []),
  ];
  const commands = [
    `cd ${REPO_ROOT}`,
    ...exports,
    "TOKEN=$(npm run -s token -- --user alice | tail -n 1)",
    `curl -si -X POST ${webUrl}/reports/popularity -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d '{"limit": 10}'`,
  ];
  return [
    "",
    `Ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s: ${webUrl}  (Ctrl-C stops everything)`,
    `  Dashboard ${webUrl}   API docs ${webUrl}/docs   settings ${displayPath(stackEnvFile(stateDir))}`,
    "  Try the API from another shell:",
    ...commands.map((command) => `    ${command}`),
    "",
    "",
  ].join("\n");
}

try {
  stack = await startLocalStack({
    stateDir,
    log,
    webPort,
    postgresPort: config.POSTGRES_PORT,
    azuritePort: config.AZURITE_PORT,
    serviceBusPort: config.SERVICEBUS_PORT,
    external: {
      databaseUrl: config.DATABASE_URL,
      blob: {
        BLOB_CONNECTION_STRING: config.BLOB_CONNECTION_STRING,
        BLOB_ACCOUNT_URL: config.BLOB_ACCOUNT_URL,
      },
      serviceBus: {
        SERVICEBUS_CONNECTION_STRING: config.SERVICEBUS_CONNECTION_STRING,
        SERVICEBUS_NAMESPACE: config.SERVICEBUS_NAMESPACE,
      },
    },
    seed: { albums: config.SEED_ALBUMS, ratings: config.SEED_RATINGS },
    webDev: config.WEB_DEV === "true",
    devAdmins: config.AUTH_DEV_ADMINS,
    echo: true,
    colour,
    signal: stopRequested.signal,
    stopPid: process.connected ? process.ppid : process.pid,
  });
} catch (err) {
  if (stopRequested.signal.aborted) {
    log.info({ signal: stoppedBy }, "stopped during start-up; everything started so far is stopped");
    process.exit(0);
  }
  if (err instanceof StackRunningError) {
    print(`${err.message}\n`);
    process.exit(1);
  }
  // The message says what to do; the stack trace is for LOG_LEVEL=debug.
  log.debug({ err }, "the local stack could not start");
  print(`\nThe local stack could not start: ${(err as Error).message}\n`);
  process.exit(1);
}

if (stopRequested.signal.aborted) {
  // Asked to stop between the last step and here.
  stopping ??= stopStack(stack);
} else {
  print(readyText(stack.webUrl));
  send({ type: "ready", webUrl: stack.webUrl });
}
await new Promise<void>((resolve) => {
  if (stopRequested.signal.aborted) resolve();
  stopRequested.signal.addEventListener("abort", () => resolve(), { once: true });
});
await stopping;
process.exit(0);
