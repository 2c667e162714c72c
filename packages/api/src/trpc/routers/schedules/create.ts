import { ZCreateScheduleInput } from "@reports/contracts";
import { createSchedule } from "../../../services/schedules.ts";
import { protectedProcedure } from "../../init.ts";

/** schedules.create – a recurring export of a report. */
export const create = protectedProcedure
  .input(ZCreateScheduleInput)
  .mutation(({ ctx, input }) =>
    createSchedule({ db: ctx.db, user: ctx.user, input, maxPerUser: ctx.schedulesMaxPerUser }),
  );
