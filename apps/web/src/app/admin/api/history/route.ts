import { getHistory } from "@reports/api";
import { jsonResponse, queryInput, withAdmin } from "../../../../server/rest.ts";

export const dynamic = "force-dynamic";

// GET /admin/api/history – reports accepted / completed / failed per bucket, export duration p50 / p95
export const GET = withAdmin(async ({ request, deps }) =>
  jsonResponse(await getHistory({ db: deps.db, input: queryInput(request) })),
);
