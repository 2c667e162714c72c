import { deleteSchedule, getSchedule, parseInput, updateSchedule } from "@reports/api";
import { ZScheduleChanges } from "@reports/contracts";
import { jsonResponse, readJsonBody, withUser } from "../../../server/rest.ts";

export const dynamic = "force-dynamic";

type Params = { scheduleId: string };

// GET /schedules/{scheduleId} – one schedule of the caller's
export const GET = withUser<Params>(async ({ user, deps, params }) => {
  return jsonResponse(await getSchedule({ db: deps.db, user, input: params }));
});

// PATCH /schedules/{scheduleId} – change a schedule's name, parameters, recurrence or time zone
export const PATCH = withUser<Params>(async ({ request, user, deps, params }) => {
  // Validated on its own so field errors name `name`, not `changes.name`.
  const changes = parseInput(ZScheduleChanges, await readJsonBody(request));
  return jsonResponse(await updateSchedule({ db: deps.db, user, input: { ...params, changes } }));
});

// DELETE /schedules/{scheduleId} – delete a schedule; the reports it created stay
export const DELETE = withUser<Params>(async ({ user, deps, params }) => {
  await deleteSchedule({ db: deps.db, user, input: params });
  deps.log.info({ scheduleId: params.scheduleId, userId: user.userId }, "schedule deleted");
  return new Response(null, { status: 204, headers: { "cache-control": "no-store" } });
});
