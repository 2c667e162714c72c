import { signDevelopmentToken } from "@reports/api";
import { createDb, type Db } from "@reports/db";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { ReceivedSpan } from "./otlp-receiver.ts";

// Not a browser test: the local stack's web app and worker, as separate processes, export
// their spans over OTLP to the receiver the global setup started; one report's request must
// come back as one trace across both.
const webUrl = inject("webUrl");
const stackEnv = inject("stackEnv");
const otlpUrl = inject("otlpUrl");

let db: Db;

beforeAll(() => {
  db = createDb({ url: stackEnv.DATABASE_URL!, maxConnections: 1 });
});

afterAll(async () => {
  await db?.close();
});

async function spansOf(traceId: string): Promise<ReceivedSpan[]> {
  const all = (await (await fetch(`${otlpUrl}/spans`)).json()) as ReceivedSpan[];
  return all.filter((span) => span.traceId === traceId);
}

const WORKER_SPANS = [
  "report-requests send",
  "report-requests process",
  "report.export",
  "popularity.aggregate",
  "blob.upload",
];

describe("one trace per report", () => {
  it("carries one trace id from the web app's HTTP request through the outbox, the relay, the message and the worker's export", async () => {
    const token = await signDevelopmentToken(stackEnv.AUTH_DEV_SECRET!, "tracer");
    const response = await fetch(`${webUrl}/reports/popularity`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ limit: 5 }),
    });
    expect(response.status).toBe(202);
    const { reportId } = (await response.json()) as { reportId: string };

    // The trace the outbox row carries is the one the request started.
    const outbox = await db.pool.query<{ traceparent: string }>(
      "SELECT traceparent FROM outbox_messages WHERE correlation_id = $1",
      [reportId],
    );
    const traceId = outbox.rows[0]!.traceparent.split("-")[1]!;

    let spans: ReceivedSpan[] = [];
    const deadline = Date.now() + 60_000;
    const wanted = ["report.accept", ...WORKER_SPANS];
    while (!wanted.every((name) => spans.some((span) => span.name === name))) {
      if (Date.now() > deadline) {
        throw new Error(
          `spans of trace ${traceId} so far: ${JSON.stringify(spans.map((s) => [s.service, s.name]))}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
      spans = await spansOf(traceId);
    }
    const byName = (name: string) => spans.find((span) => span.name === name)!;

    // The web app: Next.js's own HTTP server span, and the accept span inside it.
    const accept = byName("report.accept");
    expect(accept.service).toBe("reports-web");
    expect(accept.attributes["report.id"]).toBe(reportId);
    // Its ancestors are Next.js's own spans, up to the HTTP server span of the request.
    const ancestors: ReceivedSpan[] = [];
    for (let parent = accept.parentSpanId; parent; ) {
      const span = spans.find((candidate) => candidate.spanId === parent);
      if (!span) break;
      ancestors.push(span);
      parent = span.parentSpanId;
    }
    expect(ancestors.map((span) => span.service)).not.toContain("reports-worker");
    expect(ancestors.map((span) => span.name)).toContain("executing api route (app) /reports/popularity");
    // The root: the server span (kind SERVER) Next.js opens for the HTTP request.
    expect(ancestors.at(-1)).toMatchObject({ name: "POST", service: "reports-web", kind: 2 });
    // The worker: send (child of the accept span, through the outbox row), process (child of
    // the send, through the message), the export and its two phases.
    for (const name of WORKER_SPANS) expect(byName(name).service, name).toBe("reports-worker");
    expect(byName("report-requests send").parentSpanId).toBe(accept.spanId);
    expect(byName("report-requests process").parentSpanId).toBe(byName("report-requests send").spanId);
    expect(byName("report.export").parentSpanId).toBe(byName("report-requests process").spanId);
    expect(byName("popularity.aggregate").parentSpanId).toBe(byName("report.export").spanId);
    expect(byName("blob.upload").parentSpanId).toBe(byName("report.export").spanId);
    expect(Number(byName("report.export").attributes["report.rows"])).toBe(5);

    // And the metrics arrive over the same OTLP endpoint.
    const metricsDeadline = Date.now() + 30_000;
    for (;;) {
      const names = (await (await fetch(`${otlpUrl}/metrics`)).json()) as string[];
      const expected = [
        "reports.requests.accepted",
        "reports.relay.lag",
        "reports.export.duration",
        "reports.export.rows",
      ];
      if (expected.every((name) => names.includes(name))) break;
      if (Date.now() > metricsDeadline) throw new Error(`metrics received: ${names.join(", ")}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  });
});
