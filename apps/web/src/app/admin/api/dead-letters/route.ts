import { listDeadLetters } from "@reports/api";
import { jsonResponse, queryInput, withAdmin } from "../../../../server/rest.ts";

export const dynamic = "force-dynamic";

// GET /admin/api/dead-letters – recorded dead-lettered messages, newest first (?open=true: not re-driven)
export const GET = withAdmin(async ({ request, deps }) =>
  jsonResponse(await listDeadLetters({ db: deps.db, input: queryInput(request) })),
);
