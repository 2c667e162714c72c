import { type TReportMessage, type TWorkerDeadLetterReason, ZReportMessage } from "@reports/contracts";

export type ParsedReportMessage =
  | { ok: true; message: TReportMessage }
  | { ok: false; reason: TWorkerDeadLetterReason; description: string };

export type DecodedMessageBody =
  | { ok: true; value: Record<string, unknown> }
  | { ok: false; description: string };

const KNOWN_TYPES: ReadonlySet<string> = new Set(
  ZReportMessage.options.map((option) => option.shape.type.value),
);

/** Longest description kept on a dead-lettered message (Service Bus allows 4 KB). */
const MAX_DESCRIPTION = 1_000;

/**
 * The JSON object a message carries. The SDK hands a JSON body back as an object, but a
 * sender that set no content type (or another SDK) may deliver the same JSON as a Buffer or
 * a string, so all three are accepted. The one decoder of message bodies: the consumer
 * validates what it returns, the dead-letter watcher looks for the report id in it.
 */
export function decodeMessageBody(body: unknown): DecodedMessageBody {
  let value: unknown = body;
  if (Buffer.isBuffer(body) || body instanceof Uint8Array) value = Buffer.from(body).toString("utf8");
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      return { ok: false, description: "body is not valid JSON" };
    }
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, description: "body is not a JSON object" };
  }
  return { ok: true, value: value as Record<string, unknown> };
}

/**
 * Decodes and validates a message body. What can never succeed is reported, not thrown:
 * the caller dead-letters it rather than let it be retried.
 */
export function parseReportMessage(body: unknown): ParsedReportMessage {
  const decoded = decodeMessageBody(body);
  if (!decoded.ok) return { ok: false, reason: "MalformedMessage", description: decoded.description };
  const type = decoded.value.type;
  if (typeof type !== "string") {
    return { ok: false, reason: "MalformedMessage", description: "body has no string `type`" };
  }
  if (!KNOWN_TYPES.has(type)) {
    return {
      ok: false,
      reason: "UnknownMessageType",
      description: `unknown message type ${JSON.stringify(type)}`.slice(0, MAX_DESCRIPTION),
    };
  }
  const parsed = ZReportMessage.safeParse(decoded.value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map(
      (issue) => `${issue.path.join(".") || "(body)"}: ${issue.message}`,
    );
    return {
      ok: false,
      reason: "MalformedMessage",
      description: issues.join("; ").slice(0, MAX_DESCRIPTION),
    };
  }
  return { ok: true, message: parsed.data };
}
