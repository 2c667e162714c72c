// The worker process: outbox relay + export consumer. Run with `tsx src/main.ts`.
import { ConfigError, createLogger, runUntilSignalled } from "@reports/runtime";
import { loadWorkerConfig } from "./config.ts";
import { startWorker } from "./worker.ts";

async function main(): Promise<number> {
  let config: ReturnType<typeof loadWorkerConfig>;
  try {
    config = loadWorkerConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 1;
    }
    throw err;
  }
  const log = createLogger({ name: "worker", level: config.LOG_LEVEL, pretty: config.LOG_PRETTY });

  // runUntilSignalled listens for signals only once start() has resolved; a SIGTERM that
  // arrives while the worker is starting would otherwise kill it with the default action.
  // Hold it, and deliver it again once the real handlers are in place.
  let earlySignal: NodeJS.Signals | undefined;
  const holdSignal = (signal: NodeJS.Signals) => {
    earlySignal ??= signal;
  };
  process.on("SIGTERM", holdSignal);
  process.on("SIGINT", holdSignal);
  return runUntilSignalled(
    async () => {
      const worker = await startWorker(config, { log });
      setImmediate(() => {
        process.off("SIGTERM", holdSignal);
        process.off("SIGINT", holdSignal);
        if (earlySignal) process.kill(process.pid, earlySignal);
      });
      return worker;
    },
    { log, shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS },
  );
}

process.exit(await main());
