import { describe, expect, it } from "vitest";
import {
  checkRecurrence,
  describeNextRun,
  describeRecurrence,
  emptyScheduleForm,
  mapScheduleFieldErrors,
  toCreateScheduleInput,
  validateScheduleForm,
} from "./schedule-form.ts";

const form = { ...emptyScheduleForm("Europe/Berlin"), name: "Weekly" };

describe("the schedule form", () => {
  it("turns its fields into the contract's input, leaving unset parameters out", () => {
    expect(toCreateScheduleInput({ ...form, genre: "Jazz", limit: "" })).toEqual({
      name: "Weekly",
      recurrence: { frequency: "weekly", dayOfWeek: "monday", time: "06:00" },
      timeZone: "Europe/Berlin",
      parameters: { genre: "Jazz", minRatings: 10 },
    });
    expect(toCreateScheduleInput({ ...form, frequency: "monthly", dayOfMonth: "15" }).recurrence).toEqual({
      frequency: "monthly",
      dayOfMonth: 15,
      time: "06:00",
    });
  });

  it("validates with the contract, one message per field", () => {
    const result = validateScheduleForm({
      ...form,
      name: " ",
      frequency: "monthly",
      dayOfMonth: "31",
      limit: "1.5",
    });
    expect(result.ok).toBe(false);
    expect(result.ok ? {} : result.errors).toEqual({
      name: "Give the schedule a name (up to 100 characters).",
      dayOfMonth: "Enter a day from 1 to 28 (a day every month has).",
      limit: "Enter a whole number of at least 1, or leave empty for all albums.",
    });
    expect(validateScheduleForm(form)).toMatchObject({ ok: true, input: { name: "Weekly" } });
  });

  it("puts the server's field errors on the fields, and anything else above the form", () => {
    expect(
      mapScheduleFieldErrors([
        { field: "recurrence.expression", message: "occurs more than once every 60 minutes" },
        { field: "parameters.genre", message: "unknown genre" },
        { field: "kind", message: "bad" },
      ]),
    ).toEqual({
      expression: "occurs more than once every 60 minutes",
      genre: "unknown genre",
      form: "kind: bad.",
    });
  });

  it("previews the recurrence without a name, and not while it is invalid", () => {
    expect(checkRecurrence({ ...form, name: "" })).toEqual({ cron: "0 6 * * 1", timeZone: "Europe/Berlin" });
    expect(checkRecurrence({ ...form, frequency: "cron", expression: "* * * * *" })).toBeUndefined();
    expect(checkRecurrence({ ...form, timeZone: "Nowhere/X" })).toBeUndefined();
  });

  it("says a recurrence and the next run in words, in the schedule's time zone", () => {
    expect(describeRecurrence({ frequency: "weekly", dayOfWeek: "friday", time: "17:30" })).toBe(
      "Every Friday at 17:30",
    );
    expect(describeRecurrence({ frequency: "monthly", dayOfMonth: 1, time: "08:00" })).toBe(
      "On day 1 of every month at 08:00",
    );
    expect(
      describeNextRun({ status: "Active", nextRunAt: "2026-11-30T05:00:00.000Z", timeZone: "Europe/Berlin" }),
    ).toBe("Next: Mon, 30 Nov 2026, 06:00 (Europe/Berlin)");
    expect(describeNextRun({ status: "Paused", timeZone: "UTC" })).toBe("Paused: no reports until resumed");
  });
});
