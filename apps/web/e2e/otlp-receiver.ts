import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

/** One span as the receiver keeps it (OTLP/HTTP JSON: ids are hex strings). */
export interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
}

interface OtlpAnyValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
}

function anyValueOf(value: OtlpAnyValue | undefined): unknown {
  if (!value) return undefined;
  return value.stringValue ?? value.intValue ?? value.boolValue ?? value.doubleValue;
}

function attributesOf(
  list: Array<{ key: string; value: OtlpAnyValue }> | undefined,
): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((attribute) => [attribute.key, anyValueOf(attribute.value)]));
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * A tiny OTLP/HTTP receiver (JSON encoding, what @opentelemetry/exporter-*-otlp-http send):
 * keeps the spans and the names of the metrics it is sent, and answers GET /spans and
 * GET /metrics with them, so tests in other processes can read what the apps exported.
 */
export async function startOtlpReceiver(): Promise<{ url: string; close(): Promise<void> }> {
  const spans: ReceivedSpan[] = [];
  const metricNames = new Set<string>();
  const server = createServer(async (request, response) => {
    try {
      if (request.method === "POST" && request.url === "/v1/traces") {
        const body = JSON.parse(await readBody(request)) as {
          resourceSpans?: Array<{
            resource?: { attributes?: Array<{ key: string; value: OtlpAnyValue }> };
            scopeSpans?: Array<{ spans?: Array<Record<string, unknown>> }>;
          }>;
        };
        for (const resourceSpan of body.resourceSpans ?? []) {
          const service = String(attributesOf(resourceSpan.resource?.attributes)["service.name"] ?? "");
          for (const scope of resourceSpan.scopeSpans ?? []) {
            for (const span of scope.spans ?? []) {
              spans.push({
                service,
                traceId: String(span.traceId),
                spanId: String(span.spanId),
                parentSpanId: String(span.parentSpanId ?? ""),
                name: String(span.name),
                kind: Number(span.kind ?? 0),
                attributes: attributesOf(span.attributes as Array<{ key: string; value: OtlpAnyValue }>),
              });
            }
          }
        }
      } else if (request.method === "POST" && request.url === "/v1/metrics") {
        const body = JSON.parse(await readBody(request)) as {
          resourceMetrics?: Array<{ scopeMetrics?: Array<{ metrics?: Array<{ name: string }> }> }>;
        };
        for (const resource of body.resourceMetrics ?? []) {
          for (const scope of resource.scopeMetrics ?? []) {
            for (const metric of scope.metrics ?? []) metricNames.add(metric.name);
          }
        }
      } else if (request.method === "GET" && request.url === "/spans") {
        response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(spans));
        return;
      } else if (request.method === "GET" && request.url === "/metrics") {
        response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify([...metricNames]));
        return;
      } else {
        await readBody(request);
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    } catch (err) {
      response.writeHead(400, { "content-type": "text/plain" }).end(String(err));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
