import type { Logger } from "pino";

/**
 * What a shutdown keeps after the drain for aborting the work still running, releasing what
 * it held (messages, locks) and closing the clients.
 */
export const RELEASE_RESERVE_MS = 5_000;

/**
 * When a shutdown must be over. It is measured once, from the first signal, and passed down
 * to every component (as pg-boss's `stop({ timeout })` measures everything from one start):
 * each bounds its own steps by it, or by `drainUntil()` for waiting on work in flight,
 * instead of taking a fixed slice of the budget.
 */
export class Deadline {
  private constructor(
    /** Epoch milliseconds. */
    readonly at: number,
  ) {}

  /** The deadline `ms` after `now`. */
  static in(ms: number, now: number = Date.now()): Deadline {
    return new Deadline(now + Math.max(0, ms));
  }

  /** Milliseconds left; 0 once passed. */
  remainingMs(now: number = Date.now()): number {
    return Math.max(0, this.at - now);
  }

  /**
   * The end of the drain: work in flight may run until then, and what is left is for
   * aborting, releasing and closing: RELEASE_RESERVE_MS, or half of the remaining budget
   * when that is shorter (so a short budget still gives the drain some of it).
   */
  drainUntil(now: number = Date.now()): Deadline {
    return new Deadline(this.at - Math.min(RELEASE_RESERVE_MS, this.remainingMs(now) / 2));
  }

  /**
   * Waits for `promise` until the deadline, then gives up quietly (a rejection counts as
   * settled and is swallowed): for shutdown steps that may hang when a peer is gone, such
   * as closing a receiver while the broker is unreachable. The timer never delays exit.
   */
  async settle(promise: Promise<unknown> | undefined): Promise<"settled" | "timed-out"> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<"timed-out">((resolve) => {
      timer = setTimeout(() => resolve("timed-out"), this.remainingMs());
      timer.unref();
    });
    try {
      return await Promise.race([
        Promise.resolve(promise).then(
          () => "settled" as const,
          () => "settled" as const,
        ),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The budget of a `close()` called without a deadline (also the worker's SHUTDOWN_TIMEOUT_MS default). */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 30_000;

/**
 * What every long-running component's `start()` returns. `close` stops it within the
 * deadline (a default budget when none is given) and is idempotent: later and concurrent
 * calls share the first call's run.
 */
export interface Closable {
  close(deadline?: Deadline): Promise<void>;
}

/**
 * Makes a component's close function idempotent: the first call runs it, with the given
 * deadline or one `defaultTimeoutMs` from then; every other call shares that run.
 */
export function idempotentClose(
  close: (deadline: Deadline) => Promise<void>,
  defaultTimeoutMs: number = DEFAULT_SHUTDOWN_TIMEOUT_MS,
): (deadline?: Deadline) => Promise<void> {
  let closing: Promise<void> | undefined;
  return (deadline) => {
    closing ??= close(deadline ?? Deadline.in(defaultTimeoutMs));
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
  /** The shutdown budget, measured from the first signal; the process exits when it is spent. */
  shutdownTimeoutMs: number;
  /** For tests: the process object to listen on and exit through. */
  proc?: SignalSource;
}

/**
 * Runs a component until SIGTERM/SIGINT, then closes it within one deadline measured from
 * that first signal and passed to `close` (Formbricks runtime.ts / graphile-worker main.ts
 * pattern). When the deadline passes first, or a second signal arrives, the process exits
 * anyway. Resolves with the exit code the process should use.
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
  const deadline = Deadline.in(shutdownTimeoutMs, firstSignalAt);
  log.info({ signal, shutdownTimeoutMs, remainingMs: deadline.remainingMs() }, "shutting down");
  return await new Promise<number>((resolve) => {
    const timer = setTimeout(() => {
      log.error({ shutdownTimeoutMs }, "shutdown deadline passed: exiting with work still open");
      resolve(1);
    }, deadline.remainingMs());
    timer.unref();
    component.close(deadline).then(
      () => {
        clearTimeout(timer);
        log.info("stopped");
        resolve(0);
      },
      (err: unknown) => {
        clearTimeout(timer);
        log.error({ err }, "error while shutting down");
        resolve(1);
      },
    );
  });
}
