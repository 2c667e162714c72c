import { InMemorySpanExporter } from "@opentelemetry/sdk-trace";
import { afterEach, describe, expect, it } from "vitest";
import { activeTraceIds, isTracingEnabled, SpanKind, traceparentOf, withSpan } from "./index.ts";
import { startTelemetry, type Telemetry } from "./start.ts";

const ENV = { OTEL_METRIC_EXPORT_INTERVAL: 60_000 };
let telemetry: Telemetry | undefined;

afterEach(async () => {
  await telemetry?.shutdown();
  telemetry = undefined;
});

describe("telemetry off (nothing configured)", () => {
  it("registers nothing and runs the function without a span", async () => {
    telemetry = startTelemetry({ serviceName: "test", env: ENV });
    expect(telemetry.tracing).toBe(false);
    expect(isTracingEnabled()).toBe(false);
    const result = await withSpan("ignored", {}, async (span) => {
      expect(span).toBeUndefined();
      expect(activeTraceIds()).toEqual({});
      return 42;
    });
    expect(result).toBe(42);
    expect(traceparentOf(undefined)).toBeUndefined();
  });
});

describe("telemetry on", () => {
  it("makes nested spans, continues a carried traceparent and records errors", async () => {
    const exporter = new InMemorySpanExporter();
    telemetry = startTelemetry({ serviceName: "test", env: ENV, spanExporter: exporter });
    expect(telemetry.tracing).toBe(true);
    let carried: string | undefined;
    await withSpan("outer", { kind: SpanKind.SERVER }, async (outer) => {
      await withSpan("inner", {}, async (inner) => {
        carried = traceparentOf(inner);
        expect(activeTraceIds().spanId).toBe(inner?.spanContext().spanId);
        expect(inner?.spanContext().traceId).toBe(outer?.spanContext().traceId);
      });
    });
    // Another process, later: the carried context is the parent.
    await withSpan("continued", { traceparent: carried }, async () => {});
    await expect(
      withSpan("failing", {}, async () => {
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    await telemetry.flush();
    const spans = exporter.getFinishedSpans();
    const byName = Object.fromEntries(spans.map((span) => [span.name, span]));
    expect(Object.keys(byName).sort()).toEqual(["continued", "failing", "inner", "outer"]);
    expect(byName.inner!.parentSpanContext?.spanId).toBe(byName.outer!.spanContext().spanId);
    expect(byName.continued!.spanContext().traceId).toBe(byName.outer!.spanContext().traceId);
    expect(byName.continued!.parentSpanContext?.spanId).toBe(byName.inner!.spanContext().spanId);
    expect(carried).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(byName.failing!.status.code).toBe(2);
    expect(byName.failing!.events.map((event) => event.name)).toContain("exception");
  });
});
