import { context, metrics, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  type SpanExporter,
  type SpanProcessor,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import { type TTelemetryEnv, tracesExporterOf } from "./config.ts";
import { setTracingEnabled } from "./tracing.ts";

export interface Telemetry {
  tracing: boolean;
  /** Exports what is buffered now. */
  flush(): Promise<void>;
  /** Flushes what is buffered and stops exporting; idempotent. */
  shutdown(): Promise<void>;
}

export interface StartTelemetryOptions {
  serviceName: string;
  serviceVersion?: string;
  env: TTelemetryEnv;
  /** Tests: spans go here instead of (as well as) the configured exporter. */
  spanExporter?: SpanExporter;
}

const DISABLED: Telemetry = { tracing: false, flush: async () => {}, shutdown: async () => {} };

/**
 * Registers the process's tracer and meter providers when an exporter is configured (OTLP
 * over HTTP, or the console), with W3C Trace Context propagation and an AsyncLocalStorage
 * context. Otherwise registers nothing: the project's withSpan() calls its function straight
 * away, and the API's instruments are no-ops.
 */
export function startTelemetry(options: StartTelemetryOptions): Telemetry {
  const exporterKind = tracesExporterOf(options.env);
  if (!exporterKind && !options.spanExporter) return DISABLED;
  const resource = resourceFromAttributes({
    "service.name": options.serviceName,
    ...(options.serviceVersion ? { "service.version": options.serviceVersion } : {}),
  });
  const processors: SpanProcessor[] = [];
  if (options.spanExporter) {
    processors.push(new BatchSpanProcessor({ exporter: options.spanExporter, scheduledDelayMillis: 200 }));
  }
  if (exporterKind === "console")
    processors.push(new BatchSpanProcessor({ exporter: new ConsoleSpanExporter() }));
  if (exporterKind === "otlp") processors.push(new BatchSpanProcessor({ exporter: new OTLPTraceExporter() }));
  const tracerProvider = new TracerProvider({ resource, spanProcessors: processors });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(tracerProvider);
  let meterProvider: MeterProvider | undefined;
  if (options.env.OTEL_EXPORTER_OTLP_ENDPOINT) {
    meterProvider = new MeterProvider({
      resource,
      readers: [
        new PeriodicExportingMetricReader({
          exporter: new OTLPMetricExporter(),
          exportIntervalMillis: options.env.OTEL_METRIC_EXPORT_INTERVAL,
        }),
      ],
    });
    metrics.setGlobalMeterProvider(meterProvider);
  }
  setTracingEnabled(true);
  let stopping: Promise<void> | undefined;
  return {
    tracing: true,
    async flush() {
      await Promise.allSettled([tracerProvider.forceFlush(), meterProvider?.forceFlush()]);
    },
    shutdown() {
      stopping ??= (async () => {
        setTracingEnabled(false);
        await Promise.allSettled([tracerProvider.shutdown(), meterProvider?.shutdown()]);
        trace.disable();
        metrics.disable();
        context.disable();
        propagation.disable();
      })();
      return stopping;
    },
  };
}
