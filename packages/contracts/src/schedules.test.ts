import { describe, expect, it } from "vitest";
import {
  canonicalTimeZone,
  checkCronExpression,
  cronExpressionOf,
  latestOccurrence,
  nextOccurrence,
  ZCreateScheduleInput,
  ZScheduleChanges,
} from "./schedules.ts";

const iso = (date: Date | null) => date?.toISOString() ?? null;

describe("cronExpressionOf", () => {
  it("turns each preset into a five-field expression", () => {
    expect(cronExpressionOf({ frequency: "daily", time: "06:00" })).toBe("0 6 * * *");
    expect(cronExpressionOf({ frequency: "weekly", dayOfWeek: "monday", time: "07:30" })).toBe("30 7 * * 1");
    expect(cronExpressionOf({ frequency: "weekly", dayOfWeek: "sunday", time: "23:59" })).toBe("59 23 * * 0");
    expect(cronExpressionOf({ frequency: "monthly", dayOfMonth: 28, time: "00:05" })).toBe("5 0 28 * *");
    expect(cronExpressionOf({ frequency: "cron", expression: "0 6 * * 1-5" })).toBe("0 6 * * 1-5");
  });
});

describe("checkCronExpression", () => {
  it("accepts hourly and rarer expressions", () => {
    for (const expression of ["0 * * * *", "0 6 * * 1-5", "15 3 1 */3 *", "@weekly", "0 6 29 2 *"]) {
      expect(checkCronExpression(expression), expression).toBeUndefined();
    }
  });

  it("names what is wrong with an expression", () => {
    expect(checkCronExpression("61 6 * * *")).toMatch(/minute/);
    expect(checkCronExpression("0 6 * * * *")).toMatch(/5 parts/);
    expect(checkCronExpression("every day")).toBeDefined();
    expect(checkCronExpression("*/5 * * * *")).toBe("occurs more than once every 60 minutes");
    expect(checkCronExpression("0,30 6 * * *")).toBe("occurs more than once every 60 minutes");
    // Too often only on a day years away (29 February) is still too often.
    expect(checkCronExpression("*/5 * 29 2 *")).toBe("occurs more than once every 60 minutes");
    expect(checkCronExpression("*/10 9 * * 1")).toBe("occurs more than once every 60 minutes");
    expect(checkCronExpression("0 6 30 2 *")).toBe("the expression never occurs");
  });
});

describe("occurrences in a time zone", () => {
  it("fires a daily 06:00 at 06:00 local time on both sides of a daylight-saving change", () => {
    const runs = [new Date("2026-10-24T12:00:00Z"), new Date("2026-10-25T12:00:00Z")].map((after) =>
      iso(nextOccurrence("0 6 * * *", "Europe/Berlin", after)),
    );
    // 06:00 CEST (UTC+2) before the change, 06:00 CET (UTC+1) after it.
    expect(runs).toEqual(["2026-10-25T05:00:00.000Z", "2026-10-26T05:00:00.000Z"]);
  });

  it("fires a time skipped by the spring change once, right after the gap", () => {
    // 02:30 does not exist in Berlin on 29 March 2026 (02:00 -> 03:00 CEST).
    expect(iso(nextOccurrence("30 2 * * *", "Europe/Berlin", new Date("2026-03-28T12:00:00Z")))).toBe(
      "2026-03-29T01:00:00.000Z",
    );
  });

  it("fires a time that occurs twice in autumn once", () => {
    // 02:30 happens at 00:30Z (CEST) and again at 01:30Z (CET) on 25 October 2026.
    const first = nextOccurrence("30 2 * * *", "Europe/Berlin", new Date("2026-10-24T12:00:00Z"));
    expect(iso(first)).toBe("2026-10-25T00:30:00.000Z");
    expect(iso(nextOccurrence("30 2 * * *", "Europe/Berlin", first!))).toBe("2026-10-26T01:30:00.000Z");
  });

  it("finds the latest occurrence at or before an instant (the one a catch-up fires)", () => {
    expect(iso(latestOccurrence("0 6 * * 1", "UTC", new Date("2026-11-29T12:00:00Z")))).toBe(
      "2026-11-23T06:00:00.000Z",
    );
    expect(iso(latestOccurrence("0 6 * * *", "UTC", new Date("2026-11-29T06:00:00Z")))).toBe(
      "2026-11-29T06:00:00.000Z",
    );
  });
});

describe("ZCreateScheduleInput", () => {
  it("fills the defaults and normalises the time zone", () => {
    expect(
      ZCreateScheduleInput.parse({
        name: " Weekly ",
        recurrence: { frequency: "weekly", dayOfWeek: "monday", time: "06:00" },
        timeZone: "europe/berlin",
      }),
    ).toEqual({
      name: "Weekly",
      kind: "popularity",
      parameters: { minRatings: 10 },
      recurrence: { frequency: "weekly", dayOfWeek: "monday", time: "06:00" },
      timeZone: "Europe/Berlin",
    });
    expect(
      ZCreateScheduleInput.parse({ name: "x", recurrence: { frequency: "daily", time: "00:00" } }).timeZone,
    ).toBe("UTC");
  });

  it("refuses text PostgreSQL cannot store", () => {
    for (const name of ["a\u0000b", "\ud800"]) {
      const result = ZCreateScheduleInput.safeParse({
        name,
        recurrence: { frequency: "daily", time: "06:00" },
      });
      expect(result.error?.issues.map((issue) => issue.path.join("."))).toEqual(["name"]);
    }
    for (const expression of ["0 6 * * *\u0000", "0 6 * * \ud800"]) {
      expect(checkCronExpression(expression)).toBeDefined();
    }
    expect(
      ZCreateScheduleInput.safeParse({
        name: "x",
        recurrence: { frequency: "daily", time: "06:00" },
        timeZone: "UTC\u0000",
      }).success,
    ).toBe(false);
  });

  it("names each bad field", () => {
    const result = ZCreateScheduleInput.safeParse({
      name: "",
      recurrence: { frequency: "daily", time: "6:00" },
      timeZone: "Mars/Olympus_Mons",
      parameters: { minRatings: 0 },
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path.join(".")).sort()).toEqual([
      "name",
      "parameters.minRatings",
      "recurrence.time",
      "timeZone",
    ]);
    const cron = ZCreateScheduleInput.safeParse({
      name: "x",
      recurrence: { frequency: "cron", expression: "* * * * *" },
    });
    expect(cron.error?.issues).toEqual([
      expect.objectContaining({
        path: ["recurrence", "expression"],
        message: "occurs more than once every 60 minutes",
      }),
    ]);
    expect(
      ZCreateScheduleInput.safeParse({
        name: "x",
        recurrence: { frequency: "monthly", dayOfMonth: 31, time: "06:00" },
      }).success,
    ).toBe(false);
    expect(ZCreateScheduleInput.safeParse({ name: "x", recurrence: { frequency: "yearly" } }).success).toBe(
      false,
    );
  });
});

describe("ZScheduleChanges", () => {
  it("needs at least one change", () => {
    expect(ZScheduleChanges.safeParse({}).success).toBe(false);
    expect(ZScheduleChanges.parse({ name: "New" })).toEqual({ name: "New" });
  });
});

describe("canonicalTimeZone", () => {
  it("knows IANA zones and refuses made-up ones", () => {
    expect(canonicalTimeZone("utc")).toBe("UTC");
    expect(canonicalTimeZone("America/New_York")).toBe("America/New_York");
    expect(canonicalTimeZone("Nowhere/Special")).toBeUndefined();
  });
});
