import {
  canonicalTimeZone,
  cronExpressionOf,
  DEFAULT_MIN_RATINGS,
  type TCreateScheduleInput,
  type TFieldError,
  type TSchedule,
  type TScheduleRecurrence,
  type TWeekday,
  WEEKDAYS,
  ZCreateScheduleInput,
  ZScheduleRecurrence,
} from "@reports/contracts";
import type { z } from "zod";
import { toInteger } from "./report-form.ts";

/** How often, as the form's "Repeat" select offers it. */
export type ScheduleFrequency = TScheduleRecurrence["frequency"];

/** The schedule form's fields, as the inputs hold them (strings; "" = not set). */
export interface ScheduleFormValues {
  name: string;
  frequency: ScheduleFrequency;
  time: string;
  dayOfWeek: TWeekday;
  dayOfMonth: string;
  expression: string;
  timeZone: string;
  genre: string;
  minRatings: string;
  limit: string;
}

export type ScheduleFormField = Exclude<keyof ScheduleFormValues, "frequency">;
export type ScheduleFormErrors = Partial<Record<ScheduleFormField | "form", string>>;

/** Fields in the order the form shows them (the first with an error gets the focus). */
export const SCHEDULE_FORM_FIELDS: readonly ScheduleFormField[] = [
  "name",
  "time",
  "dayOfWeek",
  "dayOfMonth",
  "expression",
  "timeZone",
  "genre",
  "minRatings",
  "limit",
];

export function emptyScheduleForm(timeZone: string): ScheduleFormValues {
  return {
    name: "",
    frequency: "weekly",
    time: "06:00",
    dayOfWeek: "monday",
    dayOfMonth: "1",
    expression: "0 6 * * 1-5",
    timeZone,
    genre: "",
    minRatings: String(DEFAULT_MIN_RATINGS),
    limit: "100",
  };
}

function toRecurrence(values: ScheduleFormValues): Record<string, unknown> {
  switch (values.frequency) {
    case "daily":
      return { frequency: "daily", time: values.time };
    case "weekly":
      return { frequency: "weekly", dayOfWeek: values.dayOfWeek, time: values.time };
    case "monthly":
      return { frequency: "monthly", dayOfMonth: toInteger(values.dayOfMonth), time: values.time };
    case "cron":
      return { frequency: "cron", expression: values.expression };
  }
}

/** The form's values as the contract's input: unset parameters are left out. */
export function toCreateScheduleInput(values: ScheduleFormValues): z.input<typeof ZCreateScheduleInput> {
  const parameters: Record<string, unknown> = {};
  if (values.genre.trim()) parameters.genre = values.genre.trim();
  const minRatings = toInteger(values.minRatings);
  if (minRatings !== undefined) parameters.minRatings = minRatings;
  const limit = toInteger(values.limit);
  if (limit !== undefined) parameters.limit = limit;
  return {
    name: values.name,
    recurrence: toRecurrence(values),
    timeZone: values.timeZone,
    parameters,
  } as z.input<typeof ZCreateScheduleInput>;
}

/** A field error's path (`recurrence.time`, `parameters.limit`) as the form field it belongs to. */
function formFieldOf(path: string): ScheduleFormField | undefined {
  const last = path.split(".").at(-1) ?? "";
  return (SCHEDULE_FORM_FIELDS as readonly string[]).includes(last) ? (last as ScheduleFormField) : undefined;
}

// Words a person can act on, per field; the contract's own message is the fallback.
function friendlyMessage(field: ScheduleFormField, message: string): string {
  switch (field) {
    case "name":
      return "Give the schedule a name (up to 100 characters).";
    case "time":
      return "Enter a time of day, such as 06:00.";
    case "dayOfMonth":
      return "Enter a day from 1 to 28 (a day every month has).";
    case "minRatings":
      return "Enter a whole number of at least 1.";
    case "limit":
      return "Enter a whole number of at least 1, or leave empty for all albums.";
    default:
      return message;
  }
}

/** The recurrence's cron expression and canonical time zone, or undefined while either is not valid. */
export function checkRecurrence(values: ScheduleFormValues): { cron: string; timeZone: string } | undefined {
  const recurrence = ZScheduleRecurrence.safeParse(toCreateScheduleInput(values).recurrence);
  const timeZone = canonicalTimeZone(values.timeZone);
  if (!recurrence.success || timeZone === undefined) return undefined;
  return { cron: cronExpressionOf(recurrence.data), timeZone };
}

export type ScheduleValidation =
  | { ok: true; input: TCreateScheduleInput }
  | { ok: false; errors: ScheduleFormErrors };

/** Validates with the API's own contract; one message per field. */
export function validateScheduleForm(values: ScheduleFormValues): ScheduleValidation {
  const result = ZCreateScheduleInput.safeParse(toCreateScheduleInput(values));
  if (result.success) return { ok: true, input: result.data };
  return {
    ok: false,
    errors: mapScheduleFieldErrors(
      result.error.issues.map((issue) => ({ field: issue.path.join("."), message: issue.message })),
    ),
  };
}

/** Field errors (the contract's or the server's) on the form's fields; the rest above the form. */
export function mapScheduleFieldErrors(
  fieldErrors: readonly TFieldError[] | null | undefined,
): ScheduleFormErrors {
  const errors: ScheduleFormErrors = {};
  for (const { field, message } of fieldErrors ?? []) {
    const name = formFieldOf(field);
    if (name) errors[name] ??= friendlyMessage(name, message);
    else errors.form = errors.form ? `${errors.form} ${field}: ${message}.` : `${field}: ${message}.`;
  }
  return errors;
}

const WEEKDAY_NAMES: Record<TWeekday, string> = {
  sunday: "Sunday",
  monday: "Monday",
  tuesday: "Tuesday",
  wednesday: "Wednesday",
  thursday: "Thursday",
  friday: "Friday",
  saturday: "Saturday",
};

/** Days of the week for a select, Monday first. */
export const WEEKDAY_OPTIONS: ReadonlyArray<{ value: TWeekday; label: string }> = [
  ...WEEKDAYS.slice(1),
  WEEKDAYS[0],
].map((value) => ({ value, label: WEEKDAY_NAMES[value] }));

/** The recurrence in words: "Every Monday at 06:00". */
export function describeRecurrence(recurrence: TScheduleRecurrence): string {
  switch (recurrence.frequency) {
    case "daily":
      return `Every day at ${recurrence.time}`;
    case "weekly":
      return `Every ${WEEKDAY_NAMES[recurrence.dayOfWeek]} at ${recurrence.time}`;
    case "monthly":
      return `On day ${recurrence.dayOfMonth} of every month at ${recurrence.time}`;
    case "cron":
      return `Cron ${recurrence.expression}`;
  }
}

/** An instant as a date and time in `timeZone`: "Mon 30 Nov 2026, 06:00". */
export function formatInZone(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat("en-GB", {
    timeZone,
    weekday: "short",
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).format(new Date(iso));
}

/** Time zones for the select: the runtime's IANA list, with UTC (which it leaves out) first. */
export function timeZoneOptions(): string[] {
  const zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  return ["UTC", ...zones.filter((zone) => zone !== "UTC")];
}

/** The browser's own time zone, or UTC. */
export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

/** When the schedule runs next, in words, in its own time zone. */
export function describeNextRun(schedule: Pick<TSchedule, "status" | "nextRunAt" | "timeZone">): string {
  if (schedule.status === "Paused" || !schedule.nextRunAt) return "Paused: no reports until resumed";
  return `Next: ${formatInZone(schedule.nextRunAt, schedule.timeZone)} (${schedule.timeZone})`;
}
