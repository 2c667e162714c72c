export { SpanKind } from "@opentelemetry/api";
export { TELEMETRY_ENV_FIELDS, type TTelemetryEnv, tracesExporterOf, ZTelemetryEnv } from "./config.ts";
export { getReportMetrics, type ReportMetrics } from "./metrics.ts";
export { type StartTelemetryOptions, startTelemetry, type Telemetry } from "./start.ts";
export {
  activeTraceIds,
  contextOf,
  isTracingEnabled,
  type SpanOptions,
  startSpan,
  traceparentOf,
  withSpan,
} from "./tracing.ts";
