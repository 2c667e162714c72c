import { getReportStory } from "@reports/api";
import { jsonResponse, withAdmin } from "../../../../../server/rest.ts";

export const dynamic = "force-dynamic";

// GET /admin/api/reports/{reportId} – a report's whole story, error detail and trace id included
export const GET = withAdmin<{ reportId: string }>(async ({ deps, params }) =>
  jsonResponse(await getReportStory({ db: deps.db, input: params })),
);
