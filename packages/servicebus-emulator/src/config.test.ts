import { describe, expect, it } from "vitest";
import { formatDuration, parseConfig, parseDuration } from "./config.ts";

describe("parseDuration", () => {
  it("reads ISO-8601 durations and plain milliseconds", () => {
    expect(parseDuration("PT30S", "x")).toBe(30_000);
    expect(parseDuration("PT1M30S", "x")).toBe(90_000);
    expect(parseDuration("PT0.5S", "x")).toBe(500);
    expect(parseDuration("P1DT2H", "x")).toBe(26 * 3_600_000);
    expect(parseDuration("P1W", "x")).toBe(7 * 86_400_000);
    expect(parseDuration(1500, "x")).toBe(1500);
  });

  it("refuses durations it cannot convert exactly, naming the setting", () => {
    expect(() => parseDuration("P1M", "queues[0].lockDurationMs")).toThrow(/queues\[0\]\.lockDurationMs/);
    expect(() => parseDuration("PT", "x")).toThrow();
    expect(() => parseDuration("30s", "x")).toThrow();
    expect(() => parseDuration(-1, "x")).toThrow();
  });
});

describe("formatDuration", () => {
  it("writes milliseconds as the ISO-8601 durations parseDuration reads back", () => {
    const cases: Array<[number, string]> = [
      [0, "PT0S"],
      [1500, "PT1.5S"],
      [30_000, "PT30S"],
      [90_000, "PT1M30S"],
      [600_000, "PT10M"],
      [26 * 3_600_000, "P1DT2H"],
      [14 * 86_400_000, "P14D"],
      [86_400_000 + 1, "P1DT0.001S"],
    ];
    for (const [ms, text] of cases) {
      expect(formatDuration(ms)).toBe(text);
      expect(parseDuration(text, "x")).toBe(ms);
    }
  });
});

describe("parseConfig", () => {
  it("converts queue settings and keeps listening options", () => {
    const config = parseConfig(
      {
        port: 5673,
        dataDir: ".local/servicebus",
        queues: [
          "plain",
          {
            name: "report-requests",
            lockDurationMs: "PT30S",
            maxDeliveryCount: 5,
            requiresDuplicateDetection: true,
            duplicateDetectionHistoryTimeWindowMs: "PT10M",
          },
        ],
      },
      "test.json",
    );
    expect(config).toEqual({
      port: 5673,
      dataDir: ".local/servicebus",
      queues: [
        { name: "plain" },
        {
          name: "report-requests",
          lockDurationMs: 30_000,
          maxDeliveryCount: 5,
          requiresDuplicateDetection: true,
          duplicateDetectionHistoryTimeWindowMs: 600_000,
        },
      ],
    });
  });

  it("rejects unknown settings and wrong types with the path of the offending value", () => {
    expect(() => parseConfig({ queues: [{ name: "q", lockDuration: "PT1S" }] }, "f")).toThrow(
      /queues\[0\]\.lockDuration: unknown setting/,
    );
    expect(() => parseConfig({ queues: [{ name: "q", maxDeliveryCount: "5" }] }, "f")).toThrow(
      /maxDeliveryCount: expected a positive integer/,
    );
    expect(() => parseConfig({ queues: {} }, "f")).toThrow(/"queues" must be an array/);
  });
});
