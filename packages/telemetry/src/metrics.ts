import { metrics } from "@opentelemetry/api";

/** The project's instruments (no-ops until startTelemetry registers a meter provider). */
export function reportMetrics() {
  const meter = metrics.getMeter("reports");
  return {
    requestsAccepted: meter.createCounter("reports.requests.accepted", {
      description: "Report requests accepted (202), new ones only",
    }),
    acceptLatency: meter.createHistogram("reports.requests.accept.duration", {
      description: "Time to accept a report request (report + outbox row, one transaction)",
      unit: "ms",
    }),
    relayLag: meter.createHistogram("reports.relay.lag", {
      description: "Time an outbox row waited before the relay sent it",
      unit: "ms",
    }),
    exportDuration: meter.createHistogram("reports.export.duration", {
      description: "Duration of an export, from claim to file",
      unit: "ms",
    }),
    exportRows: meter.createHistogram("reports.export.rows", { description: "Rows written by an export" }),
    failures: meter.createCounter("reports.failures", {
      description: "Export failures and dead letters, by reason",
    }),
  };
}
export type ReportMetrics = ReturnType<typeof reportMetrics>;

let instruments: ReportMetrics | undefined;

/** The instruments, made once per process (after startTelemetry, so they bind to its provider). */
export function getReportMetrics(): ReportMetrics {
  instruments ??= reportMetrics();
  return instruments;
}
