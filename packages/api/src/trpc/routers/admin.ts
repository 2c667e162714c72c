import {
  ZAdminDeadLetterActionInput,
  ZAdminReportActionInput,
  ZAdminReportIdInput,
  ZAdminSearchReportsInput,
  ZDeadLetterIdInput,
  ZHistoryInput,
  ZListDeadLettersInput,
} from "@reports/contracts";
import { cancelReportAsOperator, redriveDeadLetter, retryReport } from "../../services/admin/actions.ts";
import { getDeadLetter, listDeadLetters } from "../../services/admin/dead-letters.ts";
import { getHistory } from "../../services/admin/history.ts";
import { getPipelineSnapshot } from "../../services/admin/pipeline.ts";
import { getReportStory, searchReports } from "../../services/admin/reports.ts";
import { adminProcedure, router } from "../init.ts";

/** The operator console: every procedure needs the admin role (FORBIDDEN otherwise). */
export const adminRouter = router({
  pipeline: adminProcedure.query(({ ctx }) => getPipelineSnapshot({ db: ctx.db, broker: ctx.broker })),
  history: adminProcedure
    .input(ZHistoryInput.optional())
    .query(({ ctx, input }) => getHistory({ db: ctx.db, input: input ?? {} })),
  reports: router({
    search: adminProcedure
      .input(ZAdminSearchReportsInput.optional())
      .query(({ ctx, input }) => searchReports({ db: ctx.db, input: input ?? {} })),
    story: adminProcedure
      .input(ZAdminReportIdInput)
      .query(({ ctx, input }) => getReportStory({ db: ctx.db, input })),
    cancel: adminProcedure
      .input(ZAdminReportActionInput)
      .mutation(({ ctx, input }) => cancelReportAsOperator({ db: ctx.db, user: ctx.user, input })),
    retry: adminProcedure
      .input(ZAdminReportActionInput)
      .mutation(({ ctx, input }) => retryReport({ db: ctx.db, user: ctx.user, input })),
  }),
  deadLetters: router({
    list: adminProcedure
      .input(ZListDeadLettersInput.optional())
      .query(({ ctx, input }) => listDeadLetters({ db: ctx.db, input: input ?? {} })),
    get: adminProcedure
      .input(ZDeadLetterIdInput)
      .query(({ ctx, input }) => getDeadLetter({ db: ctx.db, input })),
    redrive: adminProcedure
      .input(ZAdminDeadLetterActionInput)
      .mutation(({ ctx, input }) => redriveDeadLetter({ db: ctx.db, user: ctx.user, input })),
  }),
});
