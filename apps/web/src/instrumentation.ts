// Next.js runs register() once per server process, before it serves a request (Next.js 16
// instrumentation). Tracing is off unless an exporter is configured (README, "Tracing"); then
// Next.js's own HTTP spans and the API's report.accept span share one tracer provider.
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { startWebTelemetry } = await import("./server/telemetry.ts");
  startWebTelemetry();
}
