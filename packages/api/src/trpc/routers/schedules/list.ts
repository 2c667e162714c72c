import { listSchedules } from "../../../services/schedules.ts";
import { protectedProcedure } from "../../init.ts";

/** schedules.list – the caller's schedules, newest first. */
export const list = protectedProcedure.query(({ ctx }) => listSchedules({ db: ctx.db, user: ctx.user }));
