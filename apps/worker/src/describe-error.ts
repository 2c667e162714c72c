/**
 * Short, log-safe text of anything thrown, never a stack trace: the error's code and
 * message, and each inner error of an AggregateError (the Service Bus SDK throws a bare one
 * once its retries are spent; pg throws one listing every address it tried). Used for the
 * relay's `last_error`, the reason a Failed report shows its owner, and log fields.
 */
export function describeError(err: unknown, maxLength = 1_000): string {
  return describe(err).slice(0, maxLength);
}

function describe(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) {
    const inner = err.errors.map(describe).join("; ");
    return err.message ? `${err.message}: ${inner}` : inner;
  }
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return `${typeof code === "string" ? `${code}: ` : ""}${err.message || err.name}`;
  }
  return String(err);
}
