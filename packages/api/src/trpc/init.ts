import { ERROR_CODES, type TErrorCode, type TFieldError } from "@reports/contracts";
import { initTRPC, TRPCError } from "@trpc/server";
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

/** Whatever a procedure failed with, as an AppError (the one table decides its codes). */
function appErrorFromTrpc(error: TRPCError): AppError {
  const cause = error.cause;
  if (cause instanceof AppError) return cause;
  // Input validation: tRPC wraps the zod error (or a standard-schema error with `issues`).
  if (cause instanceof z.ZodError) return toAppError(cause);
  if (cause && "issues" in cause && isIssueList(cause.issues)) {
    return toAppError(new z.ZodError(cause.issues));
  }
  const code = TRPC_TO_APP_CODE.get(error.code);
  if (code && code !== "INTERNAL") return new AppError(code, error.message, { cause: error });
  return toAppError(cause ?? error);
}

const t = initTRPC.context<Context>().create({
  errorFormatter({ shape, error }) {
    const appError = error.cause instanceof AppError ? error.cause : appErrorFromTrpc(error);
    const entry = ERROR_CODES[appError.code];
    const fieldErrors: TFieldError[] | null = appError.fieldErrors ?? null;
    return {
      ...shape,
      // A 500 says nothing internal.
      message: appError.code === "INTERNAL" ? entry.title : (appError.detail ?? entry.title),
      data: {
        ...shape.data,
        httpStatus: entry.http,
        appCode: appError.code,
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

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure.use(appErrors);
export const protectedProcedure = publicProcedure.use(isAuthenticated);
