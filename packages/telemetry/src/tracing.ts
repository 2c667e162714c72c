import {
  type Attributes,
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  type SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";

/** The one tracer of the project's own spans. */
const TRACER_NAME = "reports";

// On globalThis, not in a module variable: Next.js bundles this module separately into the
// instrumentation hook and into each route, and the routes must see what the hook started.
const ENABLED = Symbol.for("reports.telemetry.tracing-enabled");
const flags = globalThis as typeof globalThis & { [ENABLED]?: boolean };

/** Set by startTelemetry: while false, withSpan runs its function without making a span. */
export function setTracingEnabled(value: boolean): void {
  flags[ENABLED] = value;
}

export function isTracingEnabled(): boolean {
  return flags[ENABLED] === true;
}

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  /** The parent: a `traceparent` carried on a row or a message; default the active context. */
  traceparent?: string | null | undefined;
}

/** The context a `traceparent` string describes (W3C Trace Context), or the active one. */
export function contextOf(traceparent: string | null | undefined): Context {
  if (!traceparent) return context.active();
  return propagation.extract(ROOT_CONTEXT, { traceparent });
}

/** The `traceparent` of a span (to carry on a row or a message), or undefined. */
export function traceparentOf(span: Span | undefined): string | undefined {
  if (!span) return undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(trace.setSpan(context.active(), span), carrier);
  return carrier.traceparent;
}

/**
 * Runs `fn` inside a new span (ended when `fn` settles, its error recorded). With tracing
 * off it calls `fn(undefined)` straight away: no span, no context switch, nothing allocated.
 */
export function withSpan<T>(
  name: string,
  options: SpanOptions,
  fn: (span: Span | undefined) => Promise<T>,
): Promise<T> {
  // Not an async function: off, the call is fn's own promise and nothing more.
  if (flags[ENABLED] !== true) return fn(undefined);
  return runInSpan(name, options, fn);
}

function runInSpan<T>(
  name: string,
  options: SpanOptions,
  fn: (span: Span | undefined) => Promise<T>,
): Promise<T> {
  const tracer = trace.getTracer(TRACER_NAME);
  const parent = options.traceparent === undefined ? context.active() : contextOf(options.traceparent);
  return tracer.startActiveSpan(
    name,
    { ...(options.kind === undefined ? {} : { kind: options.kind }), attributes: options.attributes ?? {} },
    parent,
    async (span) => {
      try {
        return await fn(span);
      } catch (err) {
        span.recordException(err instanceof Error ? err : String(err));
        span.setStatus({
          code: SpanStatusCode.ERROR,
          message: err instanceof Error ? err.message : String(err),
        });
        throw err;
      } finally {
        span.end();
      }
    },
  );
}

/** A span started now and ended by the caller (for phases that end in a callback). */
export function startSpan(name: string, options: SpanOptions = {}): Span | undefined {
  if (flags[ENABLED] !== true) return undefined;
  const parent = options.traceparent === undefined ? context.active() : contextOf(options.traceparent);
  return trace
    .getTracer(TRACER_NAME)
    .startSpan(
      name,
      { ...(options.kind === undefined ? {} : { kind: options.kind }), attributes: options.attributes ?? {} },
      parent,
    );
}

/** The active span's trace and span ids, for log lines (pino's mixin); {} when none. */
export function activeTraceIds(): { traceId?: string; spanId?: string } {
  if (flags[ENABLED] !== true) return {};
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { traceId, spanId };
}
