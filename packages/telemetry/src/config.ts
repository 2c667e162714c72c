import { z } from "zod";

/**
 * The telemetry settings, the standard OpenTelemetry variables: nothing set, nothing is
 * recorded or exported (the API's no-op tracer and meter, costing next to nothing).
 */
export const TELEMETRY_ENV_FIELDS = {
  /** OTLP/HTTP collector base URL (e.g. http://127.0.0.1:4318): traces and metrics go there. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  /** `otlp` (default when an endpoint is set), `console` (spans printed to stdout), or `none`. */
  OTEL_TRACES_EXPORTER: z.enum(["otlp", "console", "none"]).optional(),
  /** How often metrics are exported over OTLP. */
  OTEL_METRIC_EXPORT_INTERVAL: z.coerce.number().int().min(1_000).default(60_000),
};

export const ZTelemetryEnv = z.object(TELEMETRY_ENV_FIELDS);
export type TTelemetryEnv = z.infer<typeof ZTelemetryEnv>;

/** Where spans go under this configuration, or null when tracing is off. */
export function tracesExporterOf(env: TTelemetryEnv): "otlp" | "console" | null {
  if (env.OTEL_TRACES_EXPORTER === "none") return null;
  if (env.OTEL_TRACES_EXPORTER === "console") return "console";
  return env.OTEL_EXPORTER_OTLP_ENDPOINT ? "otlp" : null;
}
