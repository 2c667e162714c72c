import { ERROR_CODES, type TErrorCode, type TFieldError } from "@reports/contracts";
import { initTRPC, TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { z } from "zod";
import { AppError, toAppError } from "../errors.ts";
import type { Context } from "./context.ts";

const TRPC_TO_APP_CODE = new Map<string, TErrorCode>(
  (Object.entries(ERROR_CODES) as Array<[TErrorCode, (typeof ERROR_CODES)[TErrorCode]]>).map(
    ([code, entry]) => [entry.trpc, code],
  ),
);

function isIssueList(value: unknown): value is z.core.$ZodIssue[] {
  return (
    Array.isArray(value) && value.every((issue) => typeof issue === "object" && issue && "message" in issue)
  );
}

/**
 * Whatever a procedure failed with, as an AppError (the one table decides its codes); or
 * undefined for a tRPC code the table does not have, which then keeps tRPC's own status.
 */
function appErrorFromTrpc(error: TRPCError): AppError | undefined {
  const cause = error.cause;
  if (cause instanceof AppError) return cause;
  // Input validation: tRPC wraps the zod error (or a standard-schema error with `issues`).
  if (cause instanceof z.ZodError) return toAppError(cause);
  if (cause && "issues" in cause && isIssueList(cause.issues)) {
    return toAppError(new z.ZodError(cause.issues));
  }
  const code = TRPC_TO_APP_CODE.get(error.code);
  if (code && code !== "INTERNAL") return new AppError(code, error.message, { cause: error });
  if (error.code !== "INTERNAL_SERVER_ERROR") return undefined;
  // tRPC decodes the procedure path before anything else and reports a malformed one (bad
  // percent-encoding) as an internal error.
  if (cause instanceof URIError) {
    return new AppError("BAD_REQUEST", "The procedure path is not valid percent-encoding.", { cause });
  }
  return toAppError(cause ?? error);
}

const t = initTRPC.context<Context>().create({
  errorFormatter({ shape, error }) {
    const appError = appErrorFromTrpc(error);
    const entry = appError ? ERROR_CODES[appError.code] : undefined;
    const fieldErrors: TFieldError[] | null = appError?.fieldErrors ?? null;
    return {
      ...shape,
      // A 500 says nothing internal.
      message:
        !appError || !entry
          ? shape.message
          : appError.code === "INTERNAL"
            ? entry.title
            : (appError.detail ?? entry.title),
      data: {
        ...shape.data,
        // A code outside the table keeps the status tRPC gives it (never 500: that is INTERNAL's).
        httpStatus: entry?.http ?? getHTTPStatusCodeFromError(error),
        appCode: appError?.code,
        fieldErrors,
        stack: undefined,
      },
    };
  },
});

/**
 * Every AppError leaves a procedure as a TRPCError with the table's code, so HTTP callers
 * and createCaller users see the same NOT_FOUND / BAD_REQUEST / UNAVAILABLE.
 */
const appErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (result.ok) return result;
  const appError = appErrorFromTrpc(result.error);
  if (!appError) throw result.error;
  throw new TRPCError({
    code: ERROR_CODES[appError.code].trpc,
    message:
      appError.code === "INTERNAL" ? ERROR_CODES.INTERNAL.title : (appError.detail ?? appError.message),
    cause: appError,
  });
});

const isAuthenticated = t.middleware(({ ctx, next }) => {
  if (!ctx.user) throw ctx.authError ?? new AppError("UNAUTHORIZED", "Authentication required.");
  return next({ ctx: { ...ctx, user: ctx.user } });
});

/**
 * tRPC also accepts multipart/form-data and application/octet-stream for mutations; no
 * procedure here takes either, so they are a wrong content type (415), not a validation
 * error. A body that cannot be read (over the size limit, not JSON) is left to the input
 * parser, which reads it again and fails with the same error (tRPC keeps the first read).
 */
const jsonInput = t.middleware(async ({ getRawInput, next }) => {
  const raw = await getRawInput().catch(() => undefined);
  if (raw instanceof FormData || raw instanceof ReadableStream) {
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", "Send the input as application/json.");
  }
  return next();
});

// An operator only; everyone else gets FORBIDDEN, whatever the procedure and its input.
const isAdmin = t.middleware(({ ctx, next }) => {
  if (!ctx.user) throw ctx.authError ?? new AppError("UNAUTHORIZED", "Authentication required.");
  if (!ctx.user.admin) throw new AppError("FORBIDDEN", "This needs the operator (admin) role.");
  return next({ ctx: { ...ctx, user: ctx.user } });
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure.use(appErrors).use(jsonInput);
// Authentication first: an anonymous caller's body is never read.
export const protectedProcedure = t.procedure.use(appErrors).use(isAuthenticated).use(jsonInput);
/** The operator console's procedures (routers/admin): authenticated and holding the admin role. */
export const adminProcedure = t.procedure.use(appErrors).use(isAdmin).use(jsonInput);
