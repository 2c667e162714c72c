import { parseConfig } from "@reports/runtime";
import { startTelemetry, type Telemetry, ZTelemetryEnv } from "@reports/telemetry";

const holder = globalThis as typeof globalThis & { __reportsWebTelemetry?: Telemetry };

/** Starts the web app's telemetry once per process, from the OTEL_* variables. */
export function startWebTelemetry(): Telemetry {
  holder.__reportsWebTelemetry ??= startTelemetry({
    serviceName: "reports-web",
    env: parseConfig(ZTelemetryEnv),
  });
  return holder.__reportsWebTelemetry;
}
