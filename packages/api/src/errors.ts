import { ERROR_CODES, type TErrorCode, type TFieldError, type TProblem } from "@reports/contracts";
import { z } from "zod";

export interface AppErrorOptions {
  fieldErrors?: TFieldError[];
  cause?: unknown;
  /** When to try again (a limit that frees up, an outage): sent as `Retry-After`. */
  retryAfterSeconds?: number;
}

/**
 * The one error type of the API. Its `code` is a key of `ERROR_CODES`, the single table both
 * the REST problem writer and the tRPC error formatter read, so HTTP and tRPC cannot drift.
 */
export class AppError extends Error {
  readonly code: TErrorCode;
  readonly detail: string | undefined;
  readonly fieldErrors: TFieldError[] | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: TErrorCode, detail?: string, options: AppErrorOptions = {}) {
    super(detail ?? ERROR_CODES[code].title, options.cause === undefined ? {} : { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.detail = detail;
    this.fieldErrors = options.fieldErrors;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  get httpStatus(): number {
    return ERROR_CODES[this.code].http;
  }

  get trpcCode(): (typeof ERROR_CODES)[TErrorCode]["trpc"] {
    return ERROR_CODES[this.code].trpc;
  }
}

/**
 * One field error per bad field. An unknown key has no path of its own in zod (the issue
 * sits on the object), so each unrecognised key becomes its own entry.
 */
export function fieldErrorsFromZod(
  error: z.ZodError,
  prefix: ReadonlyArray<PropertyKey> = [],
): TFieldError[] {
  const byField = new Map<string, string>();
  const add = (path: ReadonlyArray<PropertyKey>, message: string) => {
    const field = [...prefix, ...path].map(String).join(".") || "(body)";
    if (!byField.has(field)) byField.set(field, message);
  };
  for (const issue of error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) add([...issue.path, key], "unknown field");
    } else {
      add(issue.path, issue.message);
    }
  }
  return [...byField.entries()].map(([field, message]) => ({ field, message }));
}

/** A zod validation failure as a 400 naming each bad field. */
export function validationError(error: z.ZodError, prefix: ReadonlyArray<PropertyKey> = []): AppError {
  const fieldErrors = fieldErrorsFromZod(error, prefix);
  const fields = fieldErrors.map((fieldError) => fieldError.field).join(", ");
  return new AppError("BAD_REQUEST", `Invalid input: ${fields}`, { fieldErrors, cause: error });
}

/** Parses with a contract schema or throws a 400 AppError naming the bad fields. */
export function parseInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
  prefix: ReadonlyArray<PropertyKey> = [],
): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw validationError(result.error, prefix);
  return result.data;
}

// Socket-level errors that mean "the server is not there (any more)".
const UNAVAILABLE_SOCKET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "EPIPE",
  "ECONNABORTED",
]);

// Prisma: P1001 can't reach server, P1002 timed out, P1008 operation timed out, P1017 server
// closed the connection, P2024 timed out waiting for a pooled connection.
const UNAVAILABLE_PRISMA_CODES = new Set(["P1001", "P1002", "P1008", "P1017", "P2024"]);

// @prisma/adapter-pg maps driver errors to these kinds (see its mapSocketError / 53300).
const UNAVAILABLE_ADAPTER_KINDS = new Set([
  "DatabaseNotReachable",
  "ConnectionClosed",
  "SocketTimeout",
  "TooManyConnections",
]);

// SQLSTATE class 08 (connection exception); 57P01..57P03 shutdown / cannot connect now;
// 53300 too many connections.
function isUnavailableSqlState(code: string): boolean {
  return /^08[0-9A-Z]{3}$/.test(code) || ["57P01", "57P02", "57P03", "53300"].includes(code);
}

const UNAVAILABLE_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /connection timeout/i,
  /can't reach database server/i,
  /server closed the connection unexpectedly/i,
  /client has encountered a connection error and is not queryable/i,
  /cannot use a pool after calling end on the pool/i,
  /terminating connection due to administrator command/i,
  /the database system is (starting up|shutting down)/i,
];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function isUnavailableNode(err: Record<string, unknown>): boolean {
  const code = typeof err.code === "string" ? err.code : undefined;
  if (code && (UNAVAILABLE_SOCKET_CODES.has(code) || UNAVAILABLE_PRISMA_CODES.has(code))) return true;
  // pg's DatabaseError carries `severity`; only then is `code` a SQLSTATE.
  if (code && typeof err.severity === "string" && isUnavailableSqlState(code)) return true;
  if (err.name === "PrismaClientInitializationError") return true;
  if (typeof err.kind === "string" && UNAVAILABLE_ADAPTER_KINDS.has(err.kind)) return true;
  const message = typeof err.message === "string" ? err.message : "";
  return UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(message));
}

/**
 * True when `test` holds for the error or anything it wraps: `cause`, AggregateError's
 * `errors` (pg tries every address of a host name) and Prisma's driver-adapter metadata,
 * because the original driver error is usually wrapped once or twice. Stops at an AppError,
 * whose code has already been decided.
 */
function someInErrorGraph(
  err: unknown,
  test: (node: Record<string, unknown>) => boolean | undefined,
): boolean {
  const seen = new Set<unknown>();
  const queue: unknown[] = [err];
  while (queue.length > 0) {
    const current = queue.shift();
    if (!isRecord(current) || seen.has(current)) continue;
    seen.add(current);
    const verdict = test(current);
    if (verdict !== undefined) return verdict;
    queue.push(current.cause);
    if (Array.isArray(current.errors)) queue.push(...current.errors);
    const meta = current.meta;
    if (isRecord(meta)) queue.push(meta.driverAdapterError, meta.cause);
  }
  return false;
}

/**
 * True when an error means the database cannot be reached (refused, gone away, timed out),
 * as opposed to a query that the database rejected.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  return someInErrorGraph(err, (node) => {
    if (node instanceof AppError) return node.code === "UNAVAILABLE";
    return isUnavailableNode(node) || undefined;
  });
}

/**
 * The SQLSTATE of a data exception (class 22: a value PostgreSQL cannot store or compare,
 * such as NUL in text, a timestamp out of range or invalid UTF-8), from pg's DatabaseError
 * (`code` with `severity`) or @prisma/adapter-pg's mapped error (`originalCode`).
 */
export function dataExceptionSqlState(err: unknown): string | undefined {
  let found: string | undefined;
  someInErrorGraph(err, (node) => {
    if (node instanceof AppError) return false;
    const sqlState =
      typeof node.originalCode === "string"
        ? node.originalCode
        : typeof node.code === "string" && typeof node.severity === "string"
          ? node.code
          : undefined;
    if (sqlState && /^22[0-9A-Z]{3}$/.test(sqlState)) {
      found = sqlState;
      return true;
    }
    return undefined;
  });
  return found;
}

/**
 * Normalises anything thrown into an AppError; unknown failures become INTERNAL. A data
 * exception is the request's fault (a value validation let through that the database
 * refuses), so it is a 400, never a 500.
 */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof z.ZodError) return validationError(err);
  if (isDatabaseUnavailable(err)) {
    return new AppError("UNAVAILABLE", "The database is unreachable; retry later.", { cause: err });
  }
  const sqlState = dataExceptionSqlState(err);
  if (sqlState) {
    return new AppError(
      "BAD_REQUEST",
      `A value in the request cannot be stored or compared (SQLSTATE ${sqlState}).`,
      {
        cause: err,
      },
    );
  }
  return new AppError("INTERNAL", undefined, { cause: err });
}

/** problem+json `type` URI for a code; relative, resolved against the API's origin. */
export function problemType(code: TErrorCode): string {
  return `/problems/${code.toLowerCase().replaceAll("_", "-")}`;
}

/**
 * The RFC 9457 body for any error. A 500 says nothing about what went wrong inside; log
 * the original error next to it.
 */
export function toProblem(err: unknown, instance?: string): TProblem {
  const appError = toAppError(err);
  const entry = ERROR_CODES[appError.code];
  const problem: TProblem = {
    type: problemType(appError.code),
    title: entry.title,
    status: entry.http,
    code: appError.code,
  };
  if (appError.code !== "INTERNAL" && appError.detail) problem.detail = appError.detail;
  if (instance) problem.instance = instance;
  if (appError.fieldErrors && appError.fieldErrors.length > 0) problem.errors = appError.fieldErrors;
  return problem;
}
