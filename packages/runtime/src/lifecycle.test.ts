import { EventEmitter } from "node:events";
import { pino } from "pino";
import { describe, expect, it, vi } from "vitest";
import { DUPLICATE_SIGNAL_WINDOW_MS, idempotentClose, runUntilSignalled } from "./lifecycle.ts";

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
