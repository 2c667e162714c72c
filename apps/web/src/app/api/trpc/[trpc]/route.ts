import { AppError, dataExceptionSqlState } from "@reports/api";
import { appRouter, createContext } from "@reports/api/trpc";
import { MAX_REQUEST_BODY_BYTES, TRPC_MAX_BATCH_SIZE } from "@reports/contracts";
import { TRPCError } from "@trpc/server";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { getDeps } from "../../../../server/deps.ts";
import { type BodyLimitErrors, limitBody } from "../../../../server/request-body.ts";
import { sessionTokenOf } from "../../session/current-user.ts";

export const dynamic = "force-dynamic";

// Raised while tRPC reads the body, so they reach the client as tRPC errors (413 and 400)
// through the one error table, like any other.
const BODY_LIMIT_ERRORS: BodyLimitErrors = {
  tooLarge: () =>
    new TRPCError({
      code: "PAYLOAD_TOO_LARGE",
      cause: new AppError("PAYLOAD_TOO_LARGE", `The body is larger than ${MAX_REQUEST_BODY_BYTES} bytes.`),
    }),
  truncated: () =>
    new TRPCError({
      code: "BAD_REQUEST",
      cause: new AppError("BAD_REQUEST", "The body ended before its declared Content-Length."),
    }),
};

/** The request with its body limited in size (tRPC itself reads bodies whole, without a limit). */
function withLimitedBody(request: Request): Request {
  const body = limitBody(request, BODY_LIMIT_ERRORS);
  if (!body) return request;
  return new Request(request, { body, duplex: "half" } as RequestInit);
}

function handler(request: Request): Promise<Response> {
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req: withLimitedBody(request),
    router: appRouter,
    maxBatchSize: TRPC_MAX_BATCH_SIZE,
    // The dashboard authenticates with its session cookie; API clients send a bearer token.
    createContext: () =>
      createContext({
        headers: request.headers,
        deps: getDeps(),
        token: sessionTokenOf(request.headers.get("cookie")),
      }),
    // A limit's 429 (and a 503) says when to try again, as the REST answers do.
    responseMeta({ errors }) {
      const retryAfter = errors
        .map((error) => (error.cause instanceof AppError ? error.cause.retryAfterSeconds : undefined))
        .find((seconds) => seconds !== undefined);
      return retryAfter === undefined ? {} : { headers: { "retry-after": String(retryAfter) } };
    },
    onError({ error, path }) {
      if (error.code === "INTERNAL_SERVER_ERROR" || error.code === "SERVICE_UNAVAILABLE") {
        getDeps().log.error({ err: error.cause ?? error, path }, "tRPC procedure failed");
      } else if (dataExceptionSqlState(error)) {
        // A value validation let through and the database refused: answered 400, worth fixing.
        getDeps().log.warn({ err: error.cause ?? error, path }, "tRPC input refused by the database");
      }
    },
  });
}

// GET /api/trpc/{procedure} – tRPC queries (reports.get, reports.list)
export const GET = handler;
// POST /api/trpc/{procedure} – tRPC mutations (reports.request) and batches
export const POST = handler;
