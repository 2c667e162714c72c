/**
 * Waits for `promise` at most `ms`, then gives up quietly (its rejection is swallowed).
 * For shutdown steps that may hang when a peer is gone (e.g. stopping a receiver while
 * the broker is unreachable); the timer is cleared so it never delays process exit.
 */
export async function settleWithin(promise: Promise<unknown>, ms: number): Promise<"settled" | "timed-out"> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timed-out">((resolve) => {
    timer = setTimeout(() => resolve("timed-out"), ms);
  });
  try {
    return await Promise.race([
      promise.then(
        () => "settled" as const,
        () => "settled" as const,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
