import { createSchedule, listSchedules, parseInput } from "@reports/api";
import { ZCreateScheduleInput } from "@reports/contracts";
import { jsonResponse, readJsonBody, withUser } from "../../server/rest.ts";

export const dynamic = "force-dynamic";

// GET /schedules – the caller's schedules, newest first
export const GET = withUser(async ({ user, deps }) => {
  return jsonResponse(await listSchedules({ db: deps.db, user }));
});

// POST /schedules – create a schedule: one report per occurrence of its recurrence
export const POST = withUser(async ({ request, user, deps }) => {
  const schedule = await createSchedule({
    db: deps.db,
    user,
    input: parseInput(ZCreateScheduleInput, await readJsonBody(request)),
    maxPerUser: deps.schedulesMaxPerUser,
  });
  deps.log.info({ scheduleId: schedule.scheduleId, userId: user.userId }, "schedule created");
  return jsonResponse(schedule, { status: 201, headers: { location: `/schedules/${schedule.scheduleId}` } });
});
