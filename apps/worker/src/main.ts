// The worker process: outbox relay + export consumer. Run with `tsx src/main.ts`.
import { ConfigError, createLogger, runUntilSignalled } from "@reports/runtime";
import { activeTraceIds, startTelemetry } from "@reports/telemetry";
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
  // Off unless OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_TRACES_EXPORTER=console (README, "Tracing").
  const telemetry = startTelemetry({
    serviceName: "reports-worker",
    serviceVersion: config.APP_VERSION,
    env: config,
  });
  const log = createLogger({
    name: "worker",
    level: config.LOG_LEVEL,
    pretty: config.LOG_PRETTY,
    ...(telemetry.tracing ? { mixin: activeTraceIds } : {}),
  });

  // Signal handlers are in place before start() runs, so a SIGTERM during start closes
  // what was started instead of killing the process mid-way.
  try {
    return await runUntilSignalled(() => startWorker(config, { log }), {
      log,
      shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    });
  } finally {
    await telemetry.shutdown();
  }
}

process.exit(await main());
