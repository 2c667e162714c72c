import type { ServiceBusMessage, ServiceBusSender } from "@azure/service-bus";
import { getReportMetrics, SpanKind, startSpan, traceparentOf } from "@reports/telemetry";
import type pg from "pg";
import { describeError } from "../describe-error.ts";

/** An outbox row as the relay reads it. */
export interface OutboxRow {
  id: string;
  type: string;
  payload: unknown;
  correlation_id: string;
  traceparent: string | null;
}

/** The Service Bus message for an outbox row (docs/architecture.md, "The export request message"). */
export function toServiceBusMessage(row: OutboxRow, traceparent = row.traceparent): ServiceBusMessage {
  return {
    // The row id: Service Bus duplicate detection drops a resend after a crash between
    // send and mark.
    messageId: row.id,
    correlationId: row.correlation_id,
    subject: row.type,
    contentType: "application/json",
    body: row.payload,
    applicationProperties: {
      type: row.type,
      ...(traceparent ? { traceparent } : {}),
    },
  };
}

export interface RelayBatchOptions {
  pool: pg.Pool;
  sender: Pick<ServiceBusSender, "createMessageBatch" | "sendMessages">;
  /** Who holds the lease (host + pid + random), for operators reading the table. */
  relayId: string;
  batchSize: number;
  /** How long the claim protects the rows from other relays. */
  leaseMs: number;
}

export interface RelayBatchResult {
  claimed: number;
  sent: number;
  /** The send error, when some claimed rows could not be sent (they are released). */
  error?: unknown;
}

// Short statement (its own transaction): claim up to n unsent rows whose lease is free or
// expired. SKIP LOCKED makes concurrent relays take disjoint rows without waiting; the
// lease (locked_until) keeps them disjoint after this transaction commits, while the rows
// are being sent.
const CLAIM_SQL = `
UPDATE outbox_messages o
   SET locked_by = $1, locked_until = now() + $2 * interval '1 millisecond', attempts = o.attempts + 1
  FROM (
    SELECT id FROM outbox_messages
     WHERE sent_at IS NULL AND (locked_until IS NULL OR locked_until < now())
     ORDER BY created_at
     FOR UPDATE SKIP LOCKED
     LIMIT $3
  ) claimable
 WHERE o.id = claimable.id
RETURNING o.id, o.type, o.payload, o.correlation_id, o.traceparent, o.created_at`;

const MARK_SENT_SQL = `
UPDATE outbox_messages
   SET sent_at = now(), locked_by = NULL, locked_until = NULL, last_error = NULL
 WHERE id = ANY($1::uuid[]) AND sent_at IS NULL`;

// Releases the lease at once so the rows are retried on the next round, not after the lease.
const RELEASE_SQL = `
UPDATE outbox_messages
   SET last_error = $3, locked_by = NULL, locked_until = NULL
 WHERE id = ANY($1::uuid[]) AND locked_by = $2 AND sent_at IS NULL`;

function endSendSpans(
  rows: Array<OutboxRow & { created_at: Date }>,
  spans: Map<string, ReturnType<typeof startSpan>>,
  accepted: Set<string>,
  error: unknown,
): void {
  const now = Date.now();
  for (const row of rows) {
    const span = spans.get(row.id);
    if (!span) continue;
    if (accepted.has(row.id)) {
      getReportMetrics().relayLag.record(now - row.created_at.getTime());
    } else {
      span.setStatus({ code: 2, message: error === undefined ? "not sent" : describeError(error) });
    }
    span.end();
  }
}

/**
 * Claims one batch of outbox rows, sends them with the SDK's batch API, and marks sent
 * exactly the rows the broker accepted. Rows of a batch whose send failed get
 * `last_error` and their lease released; they are never marked sent.
 */
export async function relayOutboxBatch(options: RelayBatchOptions): Promise<RelayBatchResult> {
  const { pool, sender, relayId, batchSize, leaseMs } = options;
  const claimed = await pool.query<OutboxRow & { created_at: Date }>(CLAIM_SQL, [
    relayId,
    leaseMs,
    batchSize,
  ]);
  const rows = claimed.rows.sort((a, b) => a.created_at.getTime() - b.created_at.getTime());
  if (rows.length === 0) return { claimed: 0, sent: 0 };

  // One send span per row, in the trace its request started (the row's traceparent); the
  // message carries the send span's context on to the consumer. Nothing when tracing is off.
  const spans = new Map(
    rows.map((row) => [
      row.id,
      startSpan("report-requests send", {
        kind: SpanKind.PRODUCER,
        traceparent: row.traceparent,
        attributes: {
          "messaging.system": "servicebus",
          "messaging.destination.name": "report-requests",
          "messaging.message.id": row.id,
          "report.id": row.correlation_id,
        },
      }),
    ]),
  );
  const accepted: string[] = [];
  let error: unknown;
  let index = 0;
  try {
    while (index < rows.length) {
      const batch = await sender.createMessageBatch();
      const ids: string[] = [];
      while (index < rows.length) {
        const row = rows[index]!;
        const span = spans.get(row.id);
        if (!batch.tryAddMessage(toServiceBusMessage(row, traceparentOf(span) ?? row.traceparent))) break;
        ids.push(row.id);
        index += 1;
      }
      if (ids.length === 0) {
        // Not even alone in an empty batch: this row can never be sent as it is. Record it
        // and skip it (the lease is released below) rather than block the rows behind it.
        const row = rows[index]!;
        await pool.query(RELEASE_SQL, [[row.id], relayId, "message larger than the broker's maximum size"]);
        index += 1;
        continue;
      }
      await sender.sendMessages(batch);
      accepted.push(...ids);
    }
  } catch (err) {
    error = err;
  }

  if (accepted.length > 0) await pool.query(MARK_SENT_SQL, [accepted]);
  endSendSpans(rows, spans, new Set(accepted), error);
  if (error === undefined) return { claimed: rows.length, sent: accepted.length };
  // Everything not accepted goes back: the failed batch and the batches never attempted.
  const acceptedIds = new Set(accepted);
  const released = rows.filter((row) => !acceptedIds.has(row.id)).map((row) => row.id);
  await pool.query(RELEASE_SQL, [released, relayId, describeError(error)]);
  return { claimed: rows.length, sent: accepted.length, error };
}
