import { AppError, type AuthUser, dataExceptionSqlState, toAppError, toProblem } from "@reports/api";
import { MAX_REQUEST_BODY_BYTES } from "@reports/contracts";
import { PROBLEM_CONTENT_TYPE } from "@reports/contracts/openapi";
import { getDeps, type WebDeps } from "./deps.ts";
import { type BodyLimitErrors, readLimitedBody } from "./request-body.ts";

/** How long a client should wait after a 503 before retrying. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/** Writes any error as application/problem+json (RFC 9457); logs what the body hides. */
export function problemResponse(err: unknown, request: Request, log?: WebDeps["log"]): Response {
  const appError = toAppError(err);
  const instance = new URL(request.url).pathname;
  const problem = toProblem(appError, instance);
  if (problem.status >= 500) {
    log?.error({ err: appError.cause ?? appError, code: appError.code, path: instance }, "request failed");
  } else if (dataExceptionSqlState(appError.cause)) {
    // A value validation let through and the database refused: answered 400, worth fixing.
    log?.warn({ err: appError.cause, path: instance }, "request refused by the database");
  }
  const headers = new Headers({ "content-type": PROBLEM_CONTENT_TYPE, "cache-control": "no-store" });
  const retryAfter =
    appError.retryAfterSeconds ?? (problem.status === 503 ? UNAVAILABLE_RETRY_AFTER_SECONDS : undefined);
  if (retryAfter !== undefined) headers.set("retry-after", String(retryAfter));
  if (problem.status === 401) headers.set("www-authenticate", 'Bearer realm="reports"');
  return new Response(JSON.stringify(problem), { status: problem.status, headers });
}

/**
 * A route's answer to a method it does not have: a 405 problem naming the methods it does,
 * with `Allow` (RFC 9110 §15.5.6). Next.js's own 405 has neither a body nor `Allow`.
 */
export function methodNotAllowed(allowed: readonly string[]): (request: Request) => Response {
  return (request) => {
    const response = problemResponse(
      new AppError(
        "METHOD_NOT_SUPPORTED",
        `${request.method} is not supported here; use ${allowed.join(" or ")}.`,
      ),
      request,
    );
    response.headers.set("allow", allowed.join(", "));
    return response;
  };
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

const BODY_LIMIT_ERRORS: BodyLimitErrors = {
  tooLarge: () =>
    new AppError("PAYLOAD_TOO_LARGE", `The body is larger than ${MAX_REQUEST_BODY_BYTES} bytes.`, {
      fieldErrors: [{ field: "(body)", message: `at most ${MAX_REQUEST_BODY_BYTES} bytes` }],
    }),
  truncated: () =>
    new AppError("BAD_REQUEST", "The body ended before its declared Content-Length.", {
      fieldErrors: [{ field: "(body)", message: "truncated" }],
    }),
};

// application/json, or any +json type (RFC 6839), with or without parameters.
const JSON_MEDIA_TYPE = /^application\/([\w.+-]+\+)?json\s*(;|$)/i;

/**
 * Every operator REST route under /admin/api: withUser, and a 403 problem for anyone without
 * the admin role (before the route's own logic reads anything).
 */
export function withAdmin<Params extends Record<string, string> = Record<string, never>>(
  handler: (args: UserRouteArgs<Params>) => Promise<Response>,
): RouteHandler<Params> {
  return withUser<Params>(async (args) => {
    if (!args.user.admin) throw new AppError("FORBIDDEN", "This needs the operator (admin) role.");
    return handler(args);
  });
}

/** A GET route's query string as an input object (repeated keys: the last one). */
export function queryInput(request: Request): Record<string, string> {
  return Object.fromEntries(new URL(request.url).searchParams);
}

/**
 * The JSON body, or `{}` when there is none (all parameters are optional). The body is read
 * with a size limit (413 past it, without buffering more); a body that is not declared as JSON
 * is a 415; one that is not valid UTF-8 or JSON a 400 naming the body.
 */
export async function readJsonBody(request: Request): Promise<unknown> {
  let bytes: Uint8Array;
  try {
    bytes = await readLimitedBody(request, BODY_LIMIT_ERRORS);
  } catch (err) {
    if (err instanceof AppError) throw err;
    // The connection failed while the body was arriving (the client went away).
    throw new AppError("BAD_REQUEST", "The body could not be read to its end.", { cause: err });
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (err) {
    throw new AppError("BAD_REQUEST", "The body is not valid UTF-8.", {
      fieldErrors: [{ field: "(body)", message: "not valid UTF-8" }],
      cause: err,
    });
  }
  if (text.trim() === "") return {};
  const contentType = request.headers.get("content-type") ?? "";
  if (!JSON_MEDIA_TYPE.test(contentType.trim())) throw unsupportedMediaType(contentType);
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
  const sent = contentType.trim() === "" ? "without a content type" : `as ${contentType}`;
  return new AppError("UNSUPPORTED_MEDIA_TYPE", `Send the parameters as application/json, not ${sent}.`, {
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
