/**
 * A fresh Idempotency-Key. `crypto.randomUUID` exists only in secure contexts (https,
 * localhost); a dashboard opened over plain http on another host falls back to
 * getRandomValues, which is available everywhere.
 */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
