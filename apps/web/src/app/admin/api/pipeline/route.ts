import { getPipelineSnapshot } from "@reports/api";
import { jsonResponse, withAdmin } from "../../../../server/rest.ts";

export const dynamic = "force-dynamic";

// GET /admin/api/pipeline – outbox, broker counts, reports by status, running exports, workers
export const GET = withAdmin(async ({ deps }) =>
  jsonResponse(await getPipelineSnapshot({ db: deps.db, broker: deps.broker })),
);
