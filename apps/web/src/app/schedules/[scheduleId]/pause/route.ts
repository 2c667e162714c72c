import { pauseSchedule } from "@reports/api";
import { jsonResponse, withUser } from "../../../../server/rest.ts";

export const dynamic = "force-dynamic";

// POST /schedules/{scheduleId}/pause – stop creating reports until resumed
export const POST = withUser<{ scheduleId: string }>(async ({ user, deps, params }) => {
  return jsonResponse(await pauseSchedule({ db: deps.db, user, input: params }));
});
