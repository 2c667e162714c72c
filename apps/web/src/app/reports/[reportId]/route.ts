import { getReport, REPORT_POLL_AFTER_SECONDS } from "@reports/api";
import { isFinalReportStatus } from "@reports/contracts";
import { jsonResponse, methodNotAllowed, withUser } from "../../../server/rest.ts";

export const dynamic = "force-dynamic";

// GET /reports/{reportId} – a report's status, and its download link once completed
export const GET = withUser<{ reportId: string }>(async ({ user, deps, params }) => {
  const report = await getReport({ db: deps.db, signer: deps.signer, user, input: params });
  return jsonResponse(report, {
    headers: isFinalReportStatus(report.status) ? {} : { "retry-after": String(REPORT_POLL_AFTER_SECONDS) },
  });
});

// Every other method – 405 with Allow
const notAllowed = methodNotAllowed(["GET"]);
export const POST = notAllowed;
export const PUT = notAllowed;
export const PATCH = notAllowed;
