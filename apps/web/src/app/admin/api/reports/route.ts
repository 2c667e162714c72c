import { searchReports } from "@reports/api";
import { jsonResponse, queryInput, withAdmin } from "../../../../server/rest.ts";

export const dynamic = "force-dynamic";

// GET /admin/api/reports – every user's reports, filtered by status, ownerId, from, to; cursor-paginated
export const GET = withAdmin(async ({ request, deps }) =>
  jsonResponse(await searchReports({ db: deps.db, input: queryInput(request) })),
);
