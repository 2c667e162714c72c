import { z } from "zod";

/**
 * The one table of error codes: HTTP status for REST problem bodies and the tRPC code
 * for procedures. Both adapters read it, so they cannot drift. It also holds the codes tRPC
 * raises by itself before any procedure runs (a body that is not JSON, a GET on a mutation,
 * a content type it cannot read...), so that none of them falls through to 500.
 */
export const ERROR_CODES = {
  BAD_REQUEST: { http: 400, trpc: "BAD_REQUEST", title: "Bad request" },
  PARSE_ERROR: { http: 400, trpc: "PARSE_ERROR", title: "Malformed request" },
  UNAUTHORIZED: { http: 401, trpc: "UNAUTHORIZED", title: "Unauthorized" },
  FORBIDDEN: { http: 403, trpc: "FORBIDDEN", title: "Forbidden" },
  NOT_FOUND: { http: 404, trpc: "NOT_FOUND", title: "Not found" },
  METHOD_NOT_SUPPORTED: { http: 405, trpc: "METHOD_NOT_SUPPORTED", title: "Method not allowed" },
  CONFLICT: { http: 409, trpc: "CONFLICT", title: "Conflict" },
  PAYLOAD_TOO_LARGE: { http: 413, trpc: "PAYLOAD_TOO_LARGE", title: "Request body too large" },
  UNSUPPORTED_MEDIA_TYPE: { http: 415, trpc: "UNSUPPORTED_MEDIA_TYPE", title: "Unsupported media type" },
  TOO_MANY_REQUESTS: { http: 429, trpc: "TOO_MANY_REQUESTS", title: "Too many requests" },
  CLIENT_CLOSED_REQUEST: { http: 499, trpc: "CLIENT_CLOSED_REQUEST", title: "Client closed request" },
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
