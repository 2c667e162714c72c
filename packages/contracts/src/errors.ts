import { z } from "zod";

/**
 * The one table of error codes: HTTP status for REST problem bodies and the tRPC code
 * for procedures. Both adapters read it, so they cannot drift.
 */
export const ERROR_CODES = {
  BAD_REQUEST: { http: 400, trpc: "BAD_REQUEST", title: "Bad request" },
  UNAUTHORIZED: { http: 401, trpc: "UNAUTHORIZED", title: "Unauthorized" },
  FORBIDDEN: { http: 403, trpc: "FORBIDDEN", title: "Forbidden" },
  NOT_FOUND: { http: 404, trpc: "NOT_FOUND", title: "Not found" },
  CONFLICT: { http: 409, trpc: "CONFLICT", title: "Conflict" },
  UNAVAILABLE: { http: 503, trpc: "SERVICE_UNAVAILABLE", title: "Service unavailable" },
  INTERNAL: { http: 500, trpc: "INTERNAL_SERVER_ERROR", title: "Internal server error" },
} as const;
export type TErrorCode = keyof typeof ERROR_CODES;

/** One invalid input field: where it is and what is wrong with it. */
export const ZFieldError = z
  .object({
    field: z.string(),
    message: z.string(),
  })
  .meta({ id: "FieldError" });
export type TFieldError = z.infer<typeof ZFieldError>;

/** application/problem+json body (RFC 9457) of every REST error. */
export const ZProblem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    code: z.enum(Object.keys(ERROR_CODES) as [TErrorCode, ...TErrorCode[]]),
    errors: z.array(ZFieldError).optional(),
  })
  .meta({ id: "Problem" });
export type TProblem = z.infer<typeof ZProblem>;
