export interface BackoffOptions {
  /** Delay before the first retry, before jitter. */
  baseMs: number;
  /** Upper bound on any delay. */
  maxMs: number;
  /** Source of randomness in [0, 1); injectable for tests. */
  random?: () => number;
}

/**
 * Capped exponential backoff with "equal jitter": half the exponential delay is kept so
 * retries never collapse to zero, the other half is random so instances spread out.
 * `attempt` counts from 1 (the first retry).
 */
export function computeBackoffMs(attempt: number, { baseMs, maxMs, random = Math.random }: BackoffOptions) {
  const exponent = Math.max(0, Math.min(attempt - 1, 30));
  const capped = Math.min(maxMs, baseMs * 2 ** exponent);
  const half = capped / 2;
  return Math.round(half + random() * half);
}

/** Resolves after `ms`, or early (without rejecting) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
