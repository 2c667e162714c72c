import { EventEmitter } from "node:events";
import { pino } from "pino";
import { describe, expect, it, vi } from "vitest";
import {
  type Closable,
  Deadline,
  DUPLICATE_SIGNAL_WINDOW_MS,
  idempotentClose,
  RELEASE_RESERVE_MS,
  runUntilSignalled,
} from "./lifecycle.ts";

function fakeProcess() {
  const emitter = new EventEmitter();
  const exits: number[] = [];
  return {
    emitter,
    exits,
    proc: {
      on: emitter.on.bind(emitter),
      exit: (code: number) => {
        exits.push(code);
      },
    },
  };
}

const log = pino({ level: "silent" });

describe("Deadline", () => {
  it("counts down from when it was set and never below zero", () => {
    const deadline = Deadline.in(1_000, 10_000);
    expect(deadline.at).toBe(11_000);
    expect(deadline.remainingMs(10_400)).toBe(600);
    expect(deadline.remainingMs(12_000)).toBe(0);
  });

  it("ends the drain when only the release reserve is left, or half of what is left when less", () => {
    const deadline = Deadline.in(30_000, 0);
    expect(deadline.drainUntil(0).at).toBe(30_000 - RELEASE_RESERVE_MS);
    expect(deadline.drainUntil(24_000).at).toBe(27_000);
    expect(deadline.drainUntil(30_000).at).toBe(30_000);
    expect(Deadline.in(8_000, 0).drainUntil(0).at).toBe(4_000);
  });

  it("settles with a promise that settles in time, even by rejecting, and gives up at the deadline", async () => {
    const deadline = Deadline.in(1_000);
    expect(await deadline.settle(Promise.resolve(1))).toBe("settled");
    expect(await deadline.settle(Promise.reject(new Error("x")))).toBe("settled");
    expect(await deadline.settle(undefined)).toBe("settled");
    const started = Date.now();
    expect(await Deadline.in(30).settle(new Promise(() => {}))).toBe("timed-out");
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await Deadline.in(0).settle(new Promise(() => {}))).toBe("timed-out");
  });
});

describe("idempotentClose", () => {
  it("runs the close function once however often it is called", async () => {
    let calls = 0;
    const close = idempotentClose(async () => {
      calls += 1;
    });
    await Promise.all([close(), close()]);
    await close();
    expect(calls).toBe(1);
  });

  it("passes the first caller's deadline, or a default budget from the first call", async () => {
    const seen: Deadline[] = [];
    const given = Deadline.in(5_000);
    const close = idempotentClose(async (deadline) => {
      seen.push(deadline);
    });
    await close(given);
    await close(Deadline.in(1));
    expect(seen).toEqual([given]);

    const before = Date.now();
    const withDefault = idempotentClose(async (deadline) => {
      seen.push(deadline);
    }, 2_000);
    await withDefault();
    expect(seen[1]!.at).toBeGreaterThanOrEqual(before + 2_000);
    expect(seen[1]!.at).toBeLessThanOrEqual(Date.now() + 2_000);
  });
});

describe("runUntilSignalled", () => {
  it("closes the component on SIGTERM and resolves 0", async () => {
    const { emitter, proc } = fakeProcess();
    let closed = false;
    const running = runUntilSignalled(
      async () => ({
        close: async () => {
          closed = true;
        },
      }),
      { log, shutdownTimeoutMs: 1_000, proc },
    );
    await new Promise((resolve) => setImmediate(resolve));
    emitter.emit("SIGTERM", "SIGTERM");
    expect(await running).toBe(0);
    expect(closed).toBe(true);
  });

  it("passes close one deadline measured from the first signal", async () => {
    const { emitter, proc } = fakeProcess();
    let received: Deadline | undefined;
    const component: Closable = {
      close: async (deadline) => {
        received = deadline;
      },
    };
    const running = runUntilSignalled(async () => component, { log, shutdownTimeoutMs: 4_000, proc });
    await new Promise((resolve) => setImmediate(resolve));
    const signalledAt = Date.now();
    emitter.emit("SIGTERM", "SIGTERM");
    expect(await running).toBe(0);
    expect(received!.at).toBeGreaterThanOrEqual(signalledAt + 4_000);
    expect(received!.at).toBeLessThanOrEqual(Date.now() + 4_000);
  });

  it("gives up after the deadline and resolves 1", async () => {
    const { emitter, proc } = fakeProcess();
    const running = runUntilSignalled(async () => ({ close: () => new Promise<void>(() => {}) }), {
      log,
      shutdownTimeoutMs: 50,
      proc,
    });
    await new Promise((resolve) => setImmediate(resolve));
    emitter.emit("SIGTERM", "SIGTERM");
    expect(await running).toBe(1);
  });

  it("forces exit on a second signal, but not on the same Ctrl-C relayed by a wrapper", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      const { emitter, proc, exits } = fakeProcess();
      void runUntilSignalled(async () => ({ close: () => new Promise<void>(() => {}) }), {
        log,
        shutdownTimeoutMs: 60_000,
        proc,
      });
      await new Promise((resolve) => setImmediate(resolve));
      emitter.emit("SIGINT", "SIGINT");
      emitter.emit("SIGINT", "SIGINT");
      expect(exits).toEqual([]);
      vi.setSystemTime(Date.now() + DUPLICATE_SIGNAL_WINDOW_MS + 1);
      emitter.emit("SIGINT", "SIGINT");
      expect(exits).toEqual([130]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("closes a component whose start was still running when SIGTERM arrived", async () => {
    const { emitter, proc } = fakeProcess();
    let finishStart: () => void = () => {};
    let closed = false;
    const running = runUntilSignalled(
      () =>
        new Promise((resolve) => {
          finishStart = () =>
            resolve({
              close: async () => {
                closed = true;
              },
            });
        }),
      { log, shutdownTimeoutMs: 1_000, proc },
    );
    emitter.emit("SIGTERM", "SIGTERM");
    finishStart();
    expect(await running).toBe(0);
    expect(closed).toBe(true);
  });

  it("resolves 1 when start fails", async () => {
    const { proc } = fakeProcess();
    const code = await runUntilSignalled(
      async () => {
        throw new Error("no database");
      },
      { log, shutdownTimeoutMs: 50, proc },
    );
    expect(code).toBe(1);
  });
});
