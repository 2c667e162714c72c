import { Cron } from "croner";
import { z } from "zod";
import { DEFAULT_MIN_RATINGS, ZPopularityReportParameters, ZReportKind } from "./reports.ts";
import { isStorableText, STORABLE_TEXT_MESSAGE } from "./text.ts";

// Scheduled exports: a schedule creates one report per occurrence of its recurrence, in its
// time zone. The recurrence is a preset (daily, weekly, monthly at a time of day) or a
// five-field cron expression; either way it is evaluated by croner (README, "Scheduled
// exports": why croner, and what happens at daylight-saving changes).

/** The shortest time allowed between two occurrences of a schedule. */
export const SCHEDULE_MIN_INTERVAL_MINUTES = 60;

/** Days of the week, as presets name them (cron numbers them from Sunday = 0). */
export const WEEKDAYS = [
  "sunday",
  "monday",
  "tuesday",
  "wednesday",
  "thursday",
  "friday",
  "saturday",
] as const;
export type TWeekday = (typeof WEEKDAYS)[number];

/** A time of day on the 24-hour clock, `HH:MM`, read in the schedule's time zone. */
export const ZTimeOfDay = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, "expected HH:MM on the 24-hour clock, e.g. 06:00")
  .meta({ example: "06:00" });

const ZCronExpression = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .superRefine((expression, ctx) => {
    const problem = checkCronExpression(expression);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  })
  .describe(
    "Five fields: minute hour day-of-month month day-of-week (e.g. `0 6 * * 1-5`); at most one " +
      `occurrence every ${SCHEDULE_MIN_INTERVAL_MINUTES} minutes.`,
  );

/** When a schedule fires: a preset or a cron expression, read in the schedule's time zone. */
export const ZScheduleRecurrence = z
  .discriminatedUnion("frequency", [
    z.object({ frequency: z.literal("daily"), time: ZTimeOfDay }).strict(),
    z.object({ frequency: z.literal("weekly"), dayOfWeek: z.enum(WEEKDAYS), time: ZTimeOfDay }).strict(),
    z
      .object({
        frequency: z.literal("monthly"),
        // 1-28: a day every month has.
        dayOfMonth: z.number().int().min(1).max(28),
        time: ZTimeOfDay,
      })
      .strict(),
    z.object({ frequency: z.literal("cron"), expression: ZCronExpression }).strict(),
  ])
  .meta({ id: "ScheduleRecurrence" });
export type TScheduleRecurrence = z.infer<typeof ZScheduleRecurrence>;

/**
 * An IANA time zone (`Europe/Berlin`, `UTC`), as the runtime's time-zone database knows it;
 * normalised to its canonical spelling (`europe/berlin` becomes `Europe/Berlin`).
 */
export const ZTimeZone = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .transform((zone, ctx) => {
    const canonical = canonicalTimeZone(zone);
    if (canonical === undefined) {
      ctx.addIssue({
        code: "custom",
        message: `unknown time zone "${zone}"; use an IANA name such as Europe/Berlin`,
      });
      return z.NEVER;
    }
    return canonical;
  })
  .meta({ description: "IANA time zone the recurrence is read in.", example: "Europe/Berlin" });

/** The canonical name of an IANA time zone, or undefined when the runtime does not know it. */
export function canonicalTimeZone(zone: string): string | undefined {
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/** The cron expression a recurrence runs on (five fields). */
export function cronExpressionOf(recurrence: TScheduleRecurrence): string {
  if (recurrence.frequency === "cron") return recurrence.expression;
  const [hour, minute] = recurrence.time.split(":").map(Number);
  switch (recurrence.frequency) {
    case "daily":
      return `${minute} ${hour} * * *`;
    case "weekly":
      return `${minute} ${hour} * * ${WEEKDAYS.indexOf(recurrence.dayOfWeek)}`;
    case "monthly":
      return `${minute} ${hour} ${recurrence.dayOfMonth} * *`;
  }
}

function cronOf(expression: string, timeZone: string): Cron {
  // Five fields only (minute precision); without a function croner schedules nothing.
  return new Cron(expression, { timezone: timeZone, mode: "5-part" });
}

/**
 * The interval check looks at the eight days from the first occurrence on (an expression that
 * fires more often than allowed on some day shows it there), at most this many occurrences.
 */
const INTERVAL_CHECK_RUNS = 200;
const INTERVAL_CHECK_HORIZON_MS = 8 * 24 * 60 * 60_000;

/** Why a cron expression cannot be a schedule's, or undefined when it can. */
export function checkCronExpression(expression: string): string | undefined {
  let cron: Cron;
  let previous: Date | null;
  const now = new Date();
  try {
    cron = cronOf(expression, "UTC");
    previous = cron.nextRun(now);
  } catch (err) {
    // croner's messages name the field ("Invalid value for minute: 61").
    return (err as Error).message.replace(/^CronPattern: /, "");
  }
  if (previous === null) return "the expression never occurs";
  const horizon = previous.getTime() + INTERVAL_CHECK_HORIZON_MS;
  for (let i = 1; i < INTERVAL_CHECK_RUNS && previous.getTime() <= horizon; i++) {
    const next = cron.nextRun(previous);
    if (next === null) break;
    if (next.getTime() - previous.getTime() < SCHEDULE_MIN_INTERVAL_MINUTES * 60_000) {
      return `occurs more than once every ${SCHEDULE_MIN_INTERVAL_MINUTES} minutes`;
    }
    previous = next;
  }
  return undefined;
}

/**
 * The first occurrence strictly after `after`, or null when there is none. Daylight-saving
 * changes follow croner's fixed-time rule: a time that does not exist that day (02:30 when
 * clocks go forward) fires at the first valid time after the gap, and a time that occurs twice
 * fires once.
 */
export function nextOccurrence(cron: string, timeZone: string, after: Date): Date | null {
  return cronOf(cron, timeZone).nextRun(after);
}

/** The latest occurrence at or before `at`, or null when there is none. */
export function latestOccurrence(cron: string, timeZone: string, at: Date): Date | null {
  // previousRuns leaves out a run exactly at its reference; one millisecond later includes it
  // (runs fall on whole minutes).
  return cronOf(cron, timeZone).previousRuns(1, new Date(at.getTime() + 1))[0] ?? null;
}

/** Whether a schedule creates reports. */
export const ZScheduleStatus = z.enum(["Active", "Paused"]);
export type TScheduleStatus = z.infer<typeof ZScheduleStatus>;

const ZScheduleName = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .refine(isStorableText, { message: STORABLE_TEXT_MESSAGE })
  .meta({ example: "Weekly jazz top 100" });

/** Input of createSchedule; also the body of POST /schedules. */
export const ZCreateScheduleInput = z
  .object({
    name: ZScheduleName,
    kind: ZReportKind.default("popularity"),
    parameters: ZPopularityReportParameters.default({ minRatings: DEFAULT_MIN_RATINGS }),
    recurrence: ZScheduleRecurrence,
    timeZone: ZTimeZone.default("UTC"),
  })
  .strict()
  .meta({ id: "CreateScheduleRequest" });
export type TCreateScheduleInput = z.infer<typeof ZCreateScheduleInput>;

/** The changes of PATCH /schedules/{scheduleId}; a new recurrence or time zone moves the next run. */
export const ZScheduleChanges = z
  .object({
    name: ZScheduleName.optional(),
    parameters: ZPopularityReportParameters.optional(),
    recurrence: ZScheduleRecurrence.optional(),
    timeZone: ZTimeZone.optional(),
  })
  .strict()
  .refine((changes) => Object.values(changes).some((value) => value !== undefined), {
    message: "name at least one field to change",
  })
  .meta({ id: "ScheduleChanges" });
export type TScheduleChanges = z.infer<typeof ZScheduleChanges>;

/** Which schedule (get, pause, resume, delete). */
export const ZScheduleIdInput = z.object({ scheduleId: z.uuid() });
export type TScheduleIdInput = z.infer<typeof ZScheduleIdInput>;

/** Input of updateSchedule (tRPC): the id and the changes. */
export const ZUpdateScheduleInput = z.object({ scheduleId: z.uuid(), changes: ZScheduleChanges });
export type TUpdateScheduleInput = z.infer<typeof ZUpdateScheduleInput>;

/** A schedule as its owner sees it. */
export const ZSchedule = z
  .object({
    scheduleId: z.uuid(),
    name: z.string(),
    kind: ZReportKind,
    parameters: ZPopularityReportParameters,
    recurrence: ZScheduleRecurrence,
    /** The cron expression the recurrence runs on. */
    cron: z.string(),
    timeZone: z.string(),
    status: ZScheduleStatus,
    /** The next occurrence; absent while paused. */
    nextRunAt: z.iso.datetime().optional(),
    /** The latest occurrence that created a report. */
    lastRunAt: z.iso.datetime().optional(),
    /** The report the latest occurrence created. */
    lastReportId: z.uuid().optional(),
    /** Why the service paused the schedule by itself (its stored parameters stopped being valid). */
    error: z.string().optional(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: "Schedule" });
export type TSchedule = z.infer<typeof ZSchedule>;

/** GET /schedules: every schedule of the caller, newest first (there are at most SCHEDULES_MAX_PER_USER). */
export const ZScheduleList = z.object({ items: z.array(ZSchedule) }).meta({ id: "ScheduleList" });
export type TScheduleList = z.infer<typeof ZScheduleList>;
