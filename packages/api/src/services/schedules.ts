import { randomUUID } from "node:crypto";
import {
  cronExpressionOf,
  nextOccurrence,
  type TCreateScheduleInput,
  type TPopularityReportParameters,
  type TSchedule,
  type TScheduleList,
  type TScheduleRecurrence,
  ZCreateScheduleInput,
  ZPopularityReportParameters,
  ZScheduleIdInput,
  ZUpdateScheduleInput,
} from "@reports/contracts";
import type { Db, Prisma } from "@reports/db";
import type { z } from "zod";
import type { AuthUser } from "../auth.ts";
import { AppError, parseInput } from "../errors.ts";
import { resolveGenre } from "./catalogue.ts";

/** Schedules one user may have when the deployment does not say (SCHEDULES_MAX_PER_USER). */
export const DEFAULT_SCHEDULES_MAX_PER_USER = 20;

/** The columns a schedule resource is built from. */
const SCHEDULE_SELECT = {
  id: true,
  ownerId: true,
  name: true,
  kind: true,
  parameters: true,
  recurrence: true,
  cron: true,
  timeZone: true,
  status: true,
  nextRunAt: true,
  lastRunAt: true,
  lastReportId: true,
  error: true,
  createdAt: true,
  updatedAt: true,
} satisfies Prisma.ReportScheduleSelect;

type ScheduleRow = Prisma.ReportScheduleGetPayload<{ select: typeof SCHEDULE_SELECT }>;

function storedParameters(stored: Prisma.JsonValue): TPopularityReportParameters {
  const parsed = ZPopularityReportParameters.safeParse(stored);
  return parsed.success ? parsed.data : (stored as TPopularityReportParameters);
}

function toScheduleResource(row: ScheduleRow): TSchedule {
  const schedule: TSchedule = {
    scheduleId: row.id,
    name: row.name,
    kind: row.kind,
    status: row.status,
    // Stored parameters that stopped being valid are shown as stored; the scheduler pauses
    // such a schedule and says why in `error`.
    parameters: storedParameters(row.parameters),
    // Validated when it was written; read back as stored (re-validating would reject a
    // recurrence whose check moved on since, and the schedule would vanish from the list).
    recurrence: row.recurrence as TScheduleRecurrence,
    cron: row.cron,
    timeZone: row.timeZone,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
  if (row.nextRunAt) schedule.nextRunAt = row.nextRunAt.toISOString();
  if (row.lastRunAt) schedule.lastRunAt = row.lastRunAt.toISOString();
  if (row.lastReportId) schedule.lastReportId = row.lastReportId;
  if (row.error) schedule.error = row.error;
  return schedule;
}

function toJson(value: unknown): Prisma.InputJsonObject {
  return JSON.parse(JSON.stringify(value)) as Prisma.InputJsonObject;
}

/** The first occurrence after `now`; a recurrence without one was refused by its contract. */
/** The parameters with the catalogue's spelling of their genre; an unknown genre is a 400. */
async function withCatalogueGenre(db: Db, parameters: TPopularityReportParameters) {
  if (!parameters.genre) return parameters;
  return { ...parameters, genre: await resolveGenre(db, parameters.genre, "parameters.genre") };
}

function firstRunAfter(cron: string, timeZone: string, now: Date): Date {
  const next = nextOccurrence(cron, timeZone, now);
  if (!next) throw new AppError("BAD_REQUEST", "The recurrence never occurs.");
  return next;
}

export interface CreateScheduleArgs {
  db: Db;
  user: AuthUser;
  input: z.input<typeof ZCreateScheduleInput>;
  /** At most this many schedules per user. */
  maxPerUser?: number;
}

/**
 * Creates an active schedule whose first occurrence is the recurrence's next one after now.
 * The count of the owner's schedules is checked under a per-owner lock, so two concurrent
 * requests cannot both take the last free place.
 */
export async function createSchedule({
  db,
  user,
  input,
  maxPerUser = DEFAULT_SCHEDULES_MAX_PER_USER,
}: CreateScheduleArgs): Promise<TSchedule> {
  const parsed: TCreateScheduleInput = parseInput(ZCreateScheduleInput, input);
  const { name, kind, recurrence, timeZone } = parsed;
  const parameters = await withCatalogueGenre(db, parsed.parameters);
  const cron = cronExpressionOf(recurrence);
  const now = new Date();
  const nextRunAt = firstRunAfter(cron, timeZone, now);
  const row = await db.prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`report_schedules:${user.userId}`}, 0))`;
    const existing = await tx.reportSchedule.count({ where: { ownerId: user.userId } });
    if (existing >= maxPerUser) {
      throw new AppError(
        "CONFLICT",
        `You have ${existing} schedules, the most allowed (${maxPerUser}); delete one first.`,
      );
    }
    return tx.reportSchedule.create({
      data: {
        id: randomUUID(),
        ownerId: user.userId,
        name,
        kind,
        parameters: toJson(parameters),
        recurrence: toJson(recurrence),
        cron,
        timeZone,
        status: "Active",
        nextRunAt,
        createdAt: now,
        updatedAt: now,
      },
      select: SCHEDULE_SELECT,
    });
  });
  return toScheduleResource(row);
}

export interface ScheduleArgs {
  db: Db;
  user: AuthUser;
  input: z.input<typeof ZScheduleIdInput>;
}

/** The caller's schedule; someone else's answers exactly like an unknown id. */
async function getOwnedScheduleOrThrow(db: Db, user: AuthUser, scheduleId: string): Promise<ScheduleRow> {
  const row = await db.prisma.reportSchedule.findFirst({
    where: { id: scheduleId, ownerId: user.userId },
    select: SCHEDULE_SELECT,
  });
  if (!row) throw notFound(scheduleId);
  return row;
}

function notFound(scheduleId: string): AppError {
  return new AppError("NOT_FOUND", `Schedule ${scheduleId} does not exist.`);
}

/** Updates the caller's schedule in one statement; NOT_FOUND when it is not theirs (or gone). */
async function updateOwnedSchedule(
  db: Db,
  user: AuthUser,
  scheduleId: string,
  data: Prisma.ReportScheduleUpdateManyMutationInput,
): Promise<TSchedule> {
  const [row] = await db.prisma.reportSchedule.updateManyAndReturn({
    where: { id: scheduleId, ownerId: user.userId },
    data: { ...data, updatedAt: new Date() },
    select: SCHEDULE_SELECT,
  });
  if (!row) throw notFound(scheduleId);
  return toScheduleResource(row);
}

/** One schedule of the caller's. */
export async function getSchedule({ db, user, input }: ScheduleArgs): Promise<TSchedule> {
  const { scheduleId } = parseInput(ZScheduleIdInput, input);
  return toScheduleResource(await getOwnedScheduleOrThrow(db, user, scheduleId));
}

/** Every schedule of the caller's, newest first (bounded by the per-user maximum). */
export async function listSchedules({ db, user }: { db: Db; user: AuthUser }): Promise<TScheduleList> {
  const rows = await db.prisma.reportSchedule.findMany({
    where: { ownerId: user.userId },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    select: SCHEDULE_SELECT,
  });
  return { items: rows.map(toScheduleResource) };
}

export interface UpdateScheduleArgs {
  db: Db;
  user: AuthUser;
  input: z.input<typeof ZUpdateScheduleInput>;
}

/**
 * Changes a schedule's name, parameters, recurrence or time zone. A new recurrence or time
 * zone moves an active schedule's next run to the new recurrence's next occurrence after now
 * (occurrences of the old one are not caught up).
 */
export async function updateSchedule({ db, user, input }: UpdateScheduleArgs): Promise<TSchedule> {
  const { scheduleId, changes } = parseInput(ZUpdateScheduleInput, input);
  const current = await getOwnedScheduleOrThrow(db, user, scheduleId);
  const data: Prisma.ReportScheduleUpdateManyMutationInput = {};
  if (changes.name !== undefined) data.name = changes.name;
  if (changes.parameters !== undefined)
    data.parameters = toJson(await withCatalogueGenre(db, changes.parameters));
  if (changes.recurrence !== undefined || changes.timeZone !== undefined) {
    const cron = changes.recurrence ? cronExpressionOf(changes.recurrence) : current.cron;
    const timeZone = changes.timeZone ?? current.timeZone;
    if (changes.recurrence) data.recurrence = toJson(changes.recurrence);
    data.cron = cron;
    data.timeZone = timeZone;
    const nextRunAt = firstRunAfter(cron, timeZone, new Date());
    if (current.status === "Active") data.nextRunAt = nextRunAt;
  }
  // A change the owner made answers the reason the scheduler paused it: they can resume now.
  data.error = null;
  return updateOwnedSchedule(db, user, scheduleId, data);
}

/** Stops creating reports until resumed; pausing a paused schedule changes nothing. */
export async function pauseSchedule({ db, user, input }: ScheduleArgs): Promise<TSchedule> {
  const { scheduleId } = parseInput(ZScheduleIdInput, input);
  const current = await getOwnedScheduleOrThrow(db, user, scheduleId);
  if (current.status === "Paused") return toScheduleResource(current);
  return updateOwnedSchedule(db, user, scheduleId, { status: "Paused", nextRunAt: null });
}

/**
 * Creates reports again from the next occurrence after now: occurrences while paused are
 * skipped, not caught up. Resuming an active schedule changes nothing.
 */
export async function resumeSchedule({ db, user, input }: ScheduleArgs): Promise<TSchedule> {
  const { scheduleId } = parseInput(ZScheduleIdInput, input);
  const current = await getOwnedScheduleOrThrow(db, user, scheduleId);
  if (current.status === "Active") return toScheduleResource(current);
  return updateOwnedSchedule(db, user, scheduleId, {
    status: "Active",
    nextRunAt: firstRunAfter(current.cron, current.timeZone, new Date()),
    error: null,
  });
}

/** Deletes the caller's schedule; the reports it created stay (they lose their `scheduleId`). */
export async function deleteSchedule({ db, user, input }: ScheduleArgs): Promise<void> {
  const { scheduleId } = parseInput(ZScheduleIdInput, input);
  const deleted = await db.prisma.reportSchedule.deleteMany({
    where: { id: scheduleId, ownerId: user.userId },
  });
  if (deleted.count === 0) throw notFound(scheduleId);
}
