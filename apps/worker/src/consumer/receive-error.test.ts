import { Writable } from "node:stream";
import type { ProcessErrorArgs } from "@azure/service-bus";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { logReceiveError } from "./receive-error.ts";

function capture() {
  const lines: Array<{ level: number; msg: string }> = [];
  const log = pino(
    { level: "debug" },
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
        callback();
      },
    }),
  );
  return { log, lines };
}

function args(name: string): ProcessErrorArgs {
  const error = new Error("Cannot request messages on the receiver since it is suspended.");
  error.name = name;
  return { error, errorSource: "receive", entityPath: "q", fullyQualifiedNamespace: "ns", identifier: "id" };
}

describe("logReceiveError", () => {
  it("keeps an AbortError of a subscription closed while stopping out of the warnings", () => {
    const { log, lines } = capture();
    logReceiveError(log, args("AbortError"), { queue: "q", stopping: true, message: "receive error" });
    expect(lines.map((line) => [line.level, line.msg])).toEqual([[20, "receive error while stopping"]]);
  });

  it.each([
    ["an AbortError while running", "AbortError", false],
    ["another error while stopping", "ServiceBusError", true],
  ])("warns about %s", (_case, name, stopping) => {
    const { log, lines } = capture();
    logReceiveError(log, args(name), { queue: "q", stopping, message: "receive error" });
    expect(lines.map((line) => [line.level, line.msg])).toEqual([[40, "receive error"]]);
  });
});
