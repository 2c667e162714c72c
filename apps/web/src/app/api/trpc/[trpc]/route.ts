import { appRouter, createContext } from "@reports/api/trpc";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { getDeps } from "../../../../server/deps.ts";
import { sessionTokenOf } from "../../session/current-user.ts";

export const dynamic = "force-dynamic";

function handler(request: Request): Promise<Response> {
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req: request,
    router: appRouter,
    // The dashboard authenticates with its session cookie; API clients send a bearer token.
    createContext: () =>
      createContext({
        headers: request.headers,
        deps: getDeps(),
        token: sessionTokenOf(request.headers.get("cookie")),
      }),
    onError({ error, path }) {
      if (error.code === "INTERNAL_SERVER_ERROR" || error.code === "SERVICE_UNAVAILABLE") {
        getDeps().log.error({ err: error.cause ?? error, path }, "tRPC procedure failed");
      }
    },
  });
}

// GET /api/trpc/{procedure} – tRPC queries (reports.get, reports.list)
export const GET = handler;
// POST /api/trpc/{procedure} – tRPC mutations (reports.request) and batches
export const POST = handler;
