import { cancelReportAsOperator } from "@reports/api";
import { jsonResponse, withAdmin } from "../../../../../../server/rest.ts";

export const dynamic = "force-dynamic";

// POST /admin/api/reports/{reportId}/cancel – cancel any user's Pending or Processing report
export const POST = withAdmin<{ reportId: string }>(async ({ request, user, deps, params }) =>
  jsonResponse(
    await cancelReportAsOperator({
      db: deps.db,
      user,
      input: {
        reportId: params.reportId,
        idempotencyKey: request.headers.get("idempotency-key") ?? undefined,
      },
    }),
  ),
);
