import { redriveDeadLetter } from "@reports/api";
import { jsonResponse, withAdmin } from "../../../../../../server/rest.ts";

export const dynamic = "force-dynamic";

// POST /admin/api/dead-letters/{deadLetterId}/redrive – send a dead-lettered message back to the queue
export const POST = withAdmin<{ deadLetterId: string }>(async ({ request, user, deps, params }) =>
  jsonResponse(
    await redriveDeadLetter({
      db: deps.db,
      user,
      input: {
        deadLetterId: params.deadLetterId,
        idempotencyKey: request.headers.get("idempotency-key") ?? undefined,
      },
    }),
  ),
);
