import { listReports } from "@reports/api";
import { jsonResponse, methodNotAllowed, withUser } from "../../server/rest.ts";

export const dynamic = "force-dynamic";

// GET /reports – the caller's reports, newest first, cursor-paginated
export const GET = withUser(async ({ request, user, deps }) => {
  const query = new URL(request.url).searchParams;
  const page = await listReports({
    db: deps.db,
    user,
    input: { cursor: query.get("cursor") ?? undefined, limit: query.get("limit") ?? undefined },
  });
  return jsonResponse(page);
});

// Every other method – 405 with Allow
const notAllowed = methodNotAllowed(["GET"]);
export const POST = notAllowed;
export const PUT = notAllowed;
export const PATCH = notAllowed;
export const DELETE = notAllowed;
