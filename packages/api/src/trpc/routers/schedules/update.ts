import { ZUpdateScheduleInput } from "@reports/contracts";
import { updateSchedule } from "../../../services/schedules.ts";
import { protectedProcedure } from "../../init.ts";

/** schedules.update – change a schedule's name, parameters, recurrence or time zone. */
export const update = protectedProcedure
  .input(ZUpdateScheduleInput)
  .mutation(({ ctx, input }) => updateSchedule({ db: ctx.db, user: ctx.user, input }));
