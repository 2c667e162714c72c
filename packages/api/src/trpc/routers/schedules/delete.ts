import { ZScheduleIdInput } from "@reports/contracts";
import { deleteSchedule } from "../../../services/schedules.ts";
import { protectedProcedure } from "../../init.ts";

/** schedules.delete – delete a schedule; the reports it created stay. */
export const remove = protectedProcedure.input(ZScheduleIdInput).mutation(async ({ ctx, input }) => {
  await deleteSchedule({ db: ctx.db, user: ctx.user, input });
  return { scheduleId: input.scheduleId };
});
