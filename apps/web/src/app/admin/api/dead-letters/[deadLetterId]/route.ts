import { getDeadLetter } from "@reports/api";
import { jsonResponse, withAdmin } from "../../../../../server/rest.ts";

export const dynamic = "force-dynamic";

// GET /admin/api/dead-letters/{deadLetterId} – one dead-lettered message, whole
export const GET = withAdmin<{ deadLetterId: string }>(async ({ deps, params }) =>
  jsonResponse(await getDeadLetter({ db: deps.db, input: params })),
);
