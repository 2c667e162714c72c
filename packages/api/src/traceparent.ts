import { randomBytes } from "node:crypto";

// W3C Trace Context, version 00: https://www.w3.org/TR/trace-context/#traceparent-header
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** True for a well-formed version-00 `traceparent` whose ids are not all zeros. */
export function isValidTraceparent(value: string | null | undefined): value is string {
  if (!value) return false;
  const match = TRACEPARENT.exec(value.trim());
  if (!match) return false;
  return !/^0+$/.test(match[1]!) && !/^0+$/.test(match[2]!);
}

/** A fresh sampled `traceparent` for a request that arrived without one. */
export function createTraceparent(): string {
  return `00-${randomBytes(16).toString("hex")}-${randomBytes(8).toString("hex")}-01`;
}

/** The caller's trace context when valid, otherwise a new trace. */
export function resolveTraceparent(header: string | null | undefined): string {
  return isValidTraceparent(header) ? header.trim() : createTraceparent();
}

/** The trace id (32 hex digits) of a valid `traceparent`, or null. */
export function traceIdOf(traceparent: string | null | undefined): string | null {
  return isValidTraceparent(traceparent) ? traceparent.trim().slice(3, 35) : null;
}
