import { ZScheduleIdInput } from "@reports/contracts";
import { pauseSchedule } from "../../../services/schedules.ts";
import { protectedProcedure } from "../../init.ts";

/** schedules.pause – stop creating reports until resumed. */
export const pause = protectedProcedure
  .input(ZScheduleIdInput)
  .mutation(({ ctx, input }) => pauseSchedule({ db: ctx.db, user: ctx.user, input }));
