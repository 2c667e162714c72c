import { ZScheduleIdInput } from "@reports/contracts";
import { resumeSchedule } from "../../../services/schedules.ts";
import { protectedProcedure } from "../../init.ts";

/** schedules.resume – create reports again from the next occurrence on. */
export const resume = protectedProcedure
  .input(ZScheduleIdInput)
  .mutation(({ ctx, input }) => resumeSchedule({ db: ctx.db, user: ctx.user, input }));
