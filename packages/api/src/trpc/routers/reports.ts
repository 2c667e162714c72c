import { ZGetReportInput, ZListReportsInput, ZRequestReportInput } from "@reports/contracts";
import { getReport, listReports, requestReport } from "../../services/reports.ts";
import { protectedProcedure, router } from "../init.ts";

/** The report procedures: thin adapters over the same service functions REST uses. */
export const reportsRouter = router({
  request: protectedProcedure
    .input(ZRequestReportInput)
    .mutation(({ ctx, input }) =>
      requestReport({ db: ctx.db, user: ctx.user, input, traceparent: ctx.traceparent, limits: ctx.limits }),
    ),
  get: protectedProcedure
    .input(ZGetReportInput)
    .query(({ ctx, input }) => getReport({ db: ctx.db, signer: ctx.signer, user: ctx.user, input })),
  list: protectedProcedure
    // Optional so `reports.list.query()` asks for the first page with the default size.
    .input(ZListReportsInput.optional())
    .query(({ ctx, input }) => listReports({ db: ctx.db, user: ctx.user, input: input ?? {} })),
});
