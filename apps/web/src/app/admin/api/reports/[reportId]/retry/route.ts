import { retryReport } from "@reports/api";
import { jsonResponse, withAdmin } from "../../../../../../server/rest.ts";

export const dynamic = "force-dynamic";

// POST /admin/api/reports/{reportId}/retry – send a Failed report back to Pending with a new export request
export const POST = withAdmin<{ reportId: string }>(async ({ request, user, deps, params }) =>
  jsonResponse(
    await retryReport({
      db: deps.db,
      user,
      input: {
        reportId: params.reportId,
        idempotencyKey: request.headers.get("idempotency-key") ?? undefined,
      },
    }),
  ),
);
