import { ZGetReportPreviewInput } from "@reports/contracts";
import { getReportPreview } from "../../services/report-preview.ts";
import { protectedProcedure, router } from "../init.ts";

/** Previews of completed reports: the first rows of the real file. */
export const reportPreviewsRouter = router({
  get: protectedProcedure
    .input(ZGetReportPreviewInput)
    .query(({ ctx, input }) => getReportPreview({ db: ctx.db, signer: ctx.signer, user: ctx.user, input })),
});
