import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import pino from "pino";
import { readConfigFile } from "./config.ts";
import { startEmulator } from "./emulator.ts";
import type { QueueOptions, RunningEmulator } from "./options.ts";

const USAGE = `Usage: servicebus-emulator [--port N] [--host H] [--queue NAME ...] [--config FILE] [--data-dir DIR]
                          [--key-name NAME] [--key KEY] [--tls-cert FILE --tls-key FILE] [--log-level LEVEL]
                          [--redeliver-completed-probability P] [--fault-seed N]

Prints the connection string on stdout once listening; logs go to stderr as JSON lines.
  --port N          TCP port (default 5672; 0 picks a free port)
  --host H          interface to listen on (default 127.0.0.1)
  --queue NAME      declare a queue with default properties (repeatable)
  --config FILE     JSON file: { "queues": [ { "name": "...", "lockDurationMs": "PT30S", ... } ] }
  --data-dir DIR    keep messages in DIR across restarts (default: in memory)
  --key-name NAME   SAS key name (default RootManageSharedAccessKey)
  --key KEY         SAS key (default SAS_KEY_VALUE)
  --tls-cert FILE   PEM certificate for the administration API's HTTPS (default: made and kept in the
  --tls-key FILE    data directory as servicebus-emulator.crt/.key, or made for this run without one)
  --log-level L     fatal|error|warn|info|debug|trace|silent (default info)

Testing faults (off by default):
  --redeliver-completed-probability P
                    enqueue a completed message again with probability P (0..1): a duplicate delivery
  --fault-seed N    seed of the fault draws (default random; logged at start)`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string" },
      host: { type: "string" },
      queue: { type: "string", multiple: true },
      config: { type: "string" },
      "data-dir": { type: "string" },
      "key-name": { type: "string" },
      key: { type: "string" },
      "tls-cert": { type: "string" },
      "tls-key": { type: "string" },
      "log-level": { type: "string" },
      "redeliver-completed-probability": { type: "string" },
      "fault-seed": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const log = pino(
    { level: values["log-level"] ?? "info", base: { service: "servicebus-emulator" } },
    pino.destination(2),
  );
  const config = values.config ? await readConfigFile(values.config) : undefined;
  const queues: QueueOptions[] = [
    ...(config?.queues ?? []),
    ...(values.queue ?? []).map((name) => ({ name })),
  ];
  if (queues.length === 0) throw new Error("declare at least one queue with --queue NAME or --config FILE");
  const port = values.port !== undefined ? Number(values.port) : (config?.port ?? 5672);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port: invalid port ${values.port}`);
  const dataDir = values["data-dir"] ?? config?.dataDir;
  if ((values["tls-cert"] === undefined) !== (values["tls-key"] === undefined)) {
    throw new Error("--tls-cert and --tls-key go together");
  }
  const tls =
    values["tls-cert"] && values["tls-key"]
      ? { cert: await readFile(values["tls-cert"], "utf8"), key: await readFile(values["tls-key"], "utf8") }
      : undefined;

  // Handlers go in before anything is printed: whoever reads the connection string may signal at once.
  let emulator: RunningEmulator | undefined;
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, "second signal, exiting now");
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, "shutting down");
    const deadline = setTimeout(() => {
      log.error("shutdown took longer than 10 s, exiting");
      process.exit(1);
    }, 10_000);
    deadline.unref();
    (emulator ? emulator.close() : Promise.resolve()).then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);

  emulator = await startEmulator({
    port,
    host: values.host ?? config?.host,
    queues,
    dataDir: dataDir ? path.resolve(dataDir) : undefined,
    keyName: values["key-name"],
    key: values.key,
    tls,
    faults: {
      redeliverCompletedProbability: readNumber(
        values["redeliver-completed-probability"],
        "--redeliver-completed-probability",
      ),
      seed: readNumber(values["fault-seed"], "--fault-seed"),
    },
    logger: log,
  });
  if (stopping) {
    await emulator.close();
    return;
  }
  process.stdout.write(`${emulator.connectionString}\n`);
}

function readNumber(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (value.trim() === "" || !Number.isFinite(number))
    throw new Error(`${flag}: expected a number, got '${value}'`);
  return number;
}

main().catch((err: unknown) => {
  process.stderr.write(`servicebus-emulator: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
