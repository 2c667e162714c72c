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

  // Signal handlers are in place before start() runs, so a SIGTERM during start closes
  // what was started instead of killing the process mid-way.
  return runUntilSignalled(() => startWorker(config, { log }), {
    log,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  });
}

process.exit(await main());
