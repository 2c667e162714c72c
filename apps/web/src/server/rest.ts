import { AppError, type AuthUser, toAppError, toProblem } from "@reports/api";
import { PROBLEM_CONTENT_TYPE } from "@reports/contracts/openapi";
import { getDeps, type WebDeps } from "./deps.ts";

/** How long a client should wait after a 503 before retrying. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/** Writes any error as application/problem+json (RFC 9457); logs what the body hides. */
export function problemResponse(err: unknown, request: Request, log?: WebDeps["log"]): Response {
  const appError = toAppError(err);
  const instance = new URL(request.url).pathname;
  const problem = toProblem(appError, instance);
  if (problem.status >= 500) {
    log?.error({ err: appError.cause ?? appError, code: appError.code, path: instance }, "request failed");
  }
  const headers = new Headers({ "content-type": PROBLEM_CONTENT_TYPE, "cache-control": "no-store" });
  if (problem.status === 503) headers.set("retry-after", String(UNAVAILABLE_RETRY_AFTER_SECONDS));
  if (problem.status === 401) headers.set("www-authenticate", 'Bearer realm="reports"');
  return new Response(JSON.stringify(problem), { status: problem.status, headers });
}

/** What an authenticated route's own logic gets: the request, its caller, the process's deps. */
export interface UserRouteArgs<Params> {
  request: Request;
  user: AuthUser;
  deps: WebDeps;
  /** The route's dynamic segments (`{}` for a route without any). */
  params: Params;
}

/** The handler signature Next.js calls; `params` is a promise of the dynamic segments. */
export type RouteHandler<Params> = (
  request: Request,
  context?: { params: Promise<Params> },
) => Promise<Response>;

/**
 * Every authenticated REST route (dub's `withWorkspace`): gets the process's dependencies,
 * authenticates the bearer token (a 401 before anything else is touched) and turns every
 * throw into a problem+json response (a 503 when the database is unreachable, a bare 500
 * otherwise), so nothing escapes as Next's HTML error page. The route keeps its own logic.
 */
export function withUser<Params extends Record<string, string> = Record<string, never>>(
  handler: (args: UserRouteArgs<Params>) => Promise<Response>,
): RouteHandler<Params> {
  return async (request, context) => {
    let deps: WebDeps | undefined;
    try {
      deps = getDeps();
      const user = await deps.auth.verifyAuthorization(request.headers.get("authorization"));
      const params = ((await context?.params) ?? {}) as Params;
      return await handler({ request, user, deps, params });
    } catch (err) {
      return problemResponse(err, request, deps?.log);
    }
  };
}

/**
 * The JSON body, or `{}` when there is none (all parameters are optional). A body that is
 * not JSON (by content type, or malformed) is a 400 naming the body.
 */
export async function readJsonBody(request: Request): Promise<unknown> {
  const text = await request.text();
  if (text.trim() === "") return {};
  const contentType = request.headers.get("content-type");
  if (contentType && !/^application\/([\w.+-]+\+)?json\b/i.test(contentType.trim())) {
    throw unsupportedMediaType(contentType);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new AppError("BAD_REQUEST", "The body is not valid JSON.", {
      fieldErrors: [{ field: "(body)", message: (err as Error).message }],
      cause: err,
    });
  }
}

function unsupportedMediaType(contentType: string): AppError {
  return new AppError("BAD_REQUEST", `Send the parameters as application/json, not ${contentType}.`, {
    fieldErrors: [{ field: "(body)", message: "expected application/json" }],
  });
}

/** A JSON response that is never cached (report state changes under the client). */
export function jsonResponse(
  body: unknown,
  init: { status?: number; headers?: Record<string, string> } = {},
) {
  return new Response(JSON.stringify(body), {
    status: init.status ?? 200,
    headers: { "content-type": "application/json", "cache-control": "no-store", ...init.headers },
  });
}
