import { ZScheduleIdInput } from "@reports/contracts";
import { getSchedule } from "../../../services/schedules.ts";
import { protectedProcedure } from "../../init.ts";

/** schedules.get – one schedule of the caller's. */
export const get = protectedProcedure
  .input(ZScheduleIdInput)
  .query(({ ctx, input }) => getSchedule({ db: ctx.db, user: ctx.user, input }));
