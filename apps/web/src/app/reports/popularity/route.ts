import { parseInput, REPORT_POLL_AFTER_SECONDS, requestReport, resolveTraceparent } from "@reports/api";
import { type TReportAccepted, ZPopularityReportParameters } from "@reports/contracts";
import { jsonResponse, methodNotAllowed, readJsonBody, withUser } from "../../../server/rest.ts";

export const dynamic = "force-dynamic";

// POST /reports/popularity – request a popularity report
export const POST = withUser(async ({ request, user, deps }) => {
  // Validated on its own so field errors name `minRatings`, not `parameters.minRatings`.
  const parameters = parseInput(ZPopularityReportParameters, await readJsonBody(request));
  const idempotencyKey = request.headers.get("idempotency-key") ?? undefined;
  const { report, created } = await requestReport({
    db: deps.db,
    user,
    input: { kind: "popularity", parameters, idempotencyKey },
    traceparent: resolveTraceparent(request.headers.get("traceparent")),
    parametersPrefix: [],
    limits: deps.limits,
  });
  deps.log.info({ reportId: report.reportId, userId: user.userId, created }, "report requested");
  const body: TReportAccepted = { reportId: report.reportId, status: report.status };
  return jsonResponse(body, {
    status: 202,
    headers: {
      location: `/reports/${report.reportId}`,
      "retry-after": String(REPORT_POLL_AFTER_SECONDS),
    },
  });
});

// Every other method – 405 with Allow
const notAllowed = methodNotAllowed(["POST"]);
export const GET = notAllowed;
export const PUT = notAllowed;
export const PATCH = notAllowed;
export const DELETE = notAllowed;
