import { listReports } from "@reports/api";
import { getDeps } from "../../server/deps.ts";
import { authenticate, jsonResponse, withProblemHandling } from "../../server/rest.ts";

export const dynamic = "force-dynamic";

// GET /reports – the caller's reports, newest first, cursor-paginated
export const GET = withProblemHandling(
  async (request: Request) => {
    const deps = getDeps();
    const user = await authenticate(request, deps);
    const query = new URL(request.url).searchParams;
    const page = await listReports({
      db: deps.db,
      user,
      input: { cursor: query.get("cursor") ?? undefined, limit: query.get("limit") ?? undefined },
    });
    return jsonResponse(page);
  },
  () => getDeps().log,
);
