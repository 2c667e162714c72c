import { getReport, REPORT_POLL_AFTER_SECONDS } from "@reports/api";
import { isFinalReportStatus } from "@reports/contracts";
import { getDeps } from "../../../server/deps.ts";
import { authenticate, jsonResponse, withProblemHandling } from "../../../server/rest.ts";

export const dynamic = "force-dynamic";

interface ReportRouteContext {
  params: Promise<{ reportId: string }>;
}

// GET /reports/{reportId} – a report's status, and its download link once completed
export const GET = withProblemHandling(
  async (request: Request, { params }: ReportRouteContext) => {
    const deps = getDeps();
    const user = await authenticate(request, deps);
    const { reportId } = await params;
    const report = await getReport({ db: deps.db, signer: deps.signer, user, input: { reportId } });
    return jsonResponse(report, {
      headers: isFinalReportStatus(report.status) ? {} : { "retry-after": String(REPORT_POLL_AFTER_SECONDS) },
    });
  },
  () => getDeps().log,
);
