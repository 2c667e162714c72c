import type { TErrorCode, TFieldError } from "@reports/contracts";
import { TRPCClientError } from "@trpc/client";

/** What the API's error formatter puts in `error.data`. */
export interface ApiErrorInfo {
  code: TErrorCode | undefined;
  httpStatus: number | undefined;
  message: string;
  fieldErrors: TFieldError[] | null;
}

/** The API's error details from whatever a query or mutation failed with. */
export function readApiError(error: unknown): ApiErrorInfo {
  if (error instanceof TRPCClientError) {
    const data = (error.data ?? {}) as {
      appCode?: TErrorCode;
      httpStatus?: number;
      fieldErrors?: TFieldError[] | null;
    };
    return {
      code: data.appCode,
      httpStatus: data.httpStatus,
      message: error.message,
      fieldErrors: data.fieldErrors ?? null,
    };
  }
  return {
    code: undefined,
    httpStatus: undefined,
    message: error instanceof Error ? error.message : String(error),
    fieldErrors: null,
  };
}

/** One sentence saying what went wrong and what to do about it. */
export function describeApiError(error: unknown): string {
  const info = readApiError(error);
  switch (info.code) {
    case "UNAUTHORIZED":
      return "Your session has ended. Sign in again to continue.";
    case "UNAVAILABLE":
      return "The service is briefly unavailable. It will retry on its own; you can also try again in a moment.";
    case "INTERNAL":
      return "Something went wrong on our side. Try again; if it keeps happening, tell the operators.";
    case undefined:
      return "The server could not be reached. Check your connection, then try again.";
    default:
      return info.message;
  }
}
