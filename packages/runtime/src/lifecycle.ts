import type { Logger } from "pino";

/** What every long-running component's `start()` returns. `close` must be idempotent. */
export interface Closable {
  close(): Promise<void>;
}

/** Wraps a close function so that concurrent and repeated calls share one run. */
export function idempotentClose(close: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => {
    closing ??= close();
    return closing;
  };
}

/** Signals this close together are one signal delivered twice (see runUntilSignalled). */
export const DUPLICATE_SIGNAL_WINDOW_MS = 1_000;

/** The part of `process` that shutdown handling uses. */
export interface SignalSource {
  on(signal: "SIGTERM" | "SIGINT", listener: (signal: NodeJS.Signals) => void): unknown;
  exit(code: number): void;
}

export interface RunProcessOptions {
  log: Logger;
  /** How long `close` may take after the first signal before the process exits anyway. */
  shutdownTimeoutMs: number;
  /** For tests: the process object to listen on and exit through. */
  proc?: SignalSource;
}

/**
 * Runs a component until SIGTERM/SIGINT, then closes it within a deadline
 * (Formbricks runtime.ts / graphile-worker main.ts pattern). A second signal forces exit.
 * Resolves with the exit code the process should use.
 */
export async function runUntilSignalled(
  start: () => Promise<Closable>,
  { log, shutdownTimeoutMs, proc = process }: RunProcessOptions,
): Promise<number> {
  // Listen before starting: a SIGTERM during start (a deploy rolling over a replica that
  // is still connecting) must close what was started, not kill the process mid-way.
  let resolveSignal: (signal: NodeJS.Signals) => void = () => {};
  const firstSignal = new Promise<NodeJS.Signals>((resolve) => {
    resolveSignal = resolve;
  });
  let firstSignalAt: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (firstSignalAt !== undefined) {
      // One Ctrl-C reaches us several times when wrappers (npm, tsx) relay it to the
      // process group we are already in: only a later signal means "stop waiting".
      if (Date.now() - firstSignalAt < DUPLICATE_SIGNAL_WINDOW_MS) return;
      log.warn({ signal }, "second signal: exiting now");
      proc.exit(130);
      return;
    }
    firstSignalAt = Date.now();
    resolveSignal(signal);
  };
  proc.on("SIGTERM", onSignal);
  proc.on("SIGINT", onSignal);

  let component: Closable;
  try {
    component = await start();
  } catch (err) {
    log.fatal({ err }, "failed to start");
    return 1;
  }
  const signal = await firstSignal;
  log.info({ signal, shutdownTimeoutMs }, "shutting down");
  return await new Promise<number>((resolve) => {
    const deadline = setTimeout(() => {
      log.error({ shutdownTimeoutMs }, "shutdown deadline passed: exiting with work still open");
      resolve(1);
    }, shutdownTimeoutMs);
    deadline.unref();
    component.close().then(
      () => {
        clearTimeout(deadline);
        log.info("stopped");
        resolve(0);
      },
      (err: unknown) => {
        clearTimeout(deadline);
        log.error({ err }, "error while shutting down");
        resolve(1);
      },
    );
  });
}
