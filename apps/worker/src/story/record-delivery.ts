import type { ServiceBusReceivedMessage } from "@azure/service-bus";
import type pg from "pg";
import { z } from "zod";

const ZReportId = z.uuid();
// W3C Trace Context, version 00: the trace id is the second field.
const TRACEPARENT = /^00-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** The report a message is about: its correlation id, which the relay sets to the report id. */
export function reportIdOf(message: Pick<ServiceBusReceivedMessage, "correlationId">): string | undefined {
  const parsed = ZReportId.safeParse(message.correlationId);
  return parsed.success ? parsed.data : undefined;
}

/** The trace id of the message's `traceparent` application property, when it has a valid one. */
export function traceIdOf(message: Pick<ServiceBusReceivedMessage, "applicationProperties">): string | null {
  const traceparent = message.applicationProperties?.traceparent;
  if (typeof traceparent !== "string") return null;
  return TRACEPARENT.exec(traceparent.trim())?.[1] ?? null;
}

/** Appends one line to a report's story (report_story, read by the operator console). */
export async function recordStoryEvent(
  db: Pick<pg.Pool, "query"> | Pick<pg.PoolClient, "query">,
  event: { reportId: string; event: string; actor?: string | null; detail: object; traceId?: string | null },
): Promise<void> {
  await db.query(
    "INSERT INTO report_story (report_id, event, actor, detail, trace_id) VALUES ($1, $2, $3, $4::jsonb, $5)",
    [event.reportId, event.event, event.actor ?? null, JSON.stringify(event.detail), event.traceId ?? null],
  );
}
