import type { Db } from "@reports/db";
import type { Logger } from "@reports/runtime";
import type { AuthUser, AuthVerifier } from "../auth.ts";
import type { DownloadUrlSigner } from "../download-url.ts";
import { type AppError, toAppError } from "../errors.ts";
import type { QueueCountsReader } from "../services/admin/broker.ts";
import type { ReportLimiter } from "../services/report-limits.ts";
import { resolveTraceparent } from "../traceparent.ts";

/** What the procedures need from the process: one instance each, built at start. */
export interface ApiDeps {
  db: Db;
  signer: DownloadUrlSigner;
  log?: Logger | undefined;
  /** The per-user limits on report requests (every web process passes its limiter). */
  limits?: ReportLimiter | undefined;
  /** The broker's queue counts for the operator console; absent when Service Bus is not configured. */
  broker?: QueueCountsReader | undefined;
  /** Schedules one user may have (SCHEDULES_MAX_PER_USER); the service's default when absent. */
  schedulesMaxPerUser?: number | undefined;
}

export interface CreateContextInnerOptions extends ApiDeps {
  /** The authenticated caller, or null. */
  user?: AuthUser | null;
  /** Why the caller is not authenticated; protected procedures throw it. */
  authError?: AppError | undefined;
  traceparent?: string | undefined;
}

/** The context without any HTTP: tests and server-side callers build it directly. */
export function createContextInner(options: CreateContextInnerOptions) {
  return {
    db: options.db,
    signer: options.signer,
    log: options.log,
    limits: options.limits,
    broker: options.broker,
    schedulesMaxPerUser: options.schedulesMaxPerUser,
    user: options.user ?? null,
    authError: options.authError,
    traceparent: options.traceparent,
  };
}

export type Context = ReturnType<typeof createContextInner>;

export interface CreateContextOptions {
  headers: Headers;
  deps: ApiDeps & { auth: AuthVerifier };
  /**
   * A token from somewhere other than the Authorization header (e.g. the dashboard's
   * session cookie); used only when no Authorization header is sent.
   */
  token?: string | null | undefined;
}

/** Per request: verifies the bearer token (if any) and carries the trace context. */
export async function createContext({ headers, deps, token }: CreateContextOptions): Promise<Context> {
  const authorization = headers.get("authorization");
  let user: AuthUser | null = null;
  let authError: AppError | undefined;
  try {
    user =
      !authorization && token
        ? await deps.auth.verifyToken(token)
        : await deps.auth.verifyAuthorization(authorization);
  } catch (err) {
    authError = toAppError(err);
  }
  return createContextInner({
    ...deps,
    user,
    authError,
    traceparent: resolveTraceparent(headers.get("traceparent")),
  });
}
