import { resumeSchedule } from "@reports/api";
import { jsonResponse, withUser } from "../../../../server/rest.ts";

export const dynamic = "force-dynamic";

// POST /schedules/{scheduleId}/resume – create reports again from the next occurrence on
export const POST = withUser<{ scheduleId: string }>(async ({ user, deps, params }) => {
  return jsonResponse(await resumeSchedule({ db: deps.db, user, input: params }));
});
